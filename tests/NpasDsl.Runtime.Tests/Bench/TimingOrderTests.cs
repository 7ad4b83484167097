using System;
using System.Collections.Generic;
using System.Linq;
using NpasDsl.Bench;
using Xunit;

namespace NpasDsl.Runtime.Tests.Bench;

/// <summary>The order bench/TrainingSpeed times its configurations in (<see cref="TimingOrder"/>).</summary>
public sealed class TimingOrderTests
{
    // How often configuration b ran right after configuration a within a step, over steps 0 to steps - 1.
    private static int[,] Followers(Func<int, IReadOnlyList<int>> order, int count, int steps)
    {
        var after = new int[count, count];
        for (int step = 0; step < steps; step++)
        {
            var row = order(step);
            for (int j = 1; j < row.Count; j++) after[row[j - 1], row[j]]++;
        }
        return after;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Over_a_cycle_each_configuration_runs_in_every_position_and_after_every_other_equally_often(int count)
    {
        int cycle = TimingOrder.Cycle(count);
        Assert.Equal(count % 2 == 0 || count == 1 ? count : 2 * count, cycle);
        var positions = new int[count, count];
        for (int step = 0; step < cycle; step++)
        {
            var row = TimingOrder.For(count, step);
            Assert.Equal(Enumerable.Range(0, count), row.OrderBy(c => c)); // every configuration once a step
            for (int j = 0; j < count; j++) positions[row[j], j]++;
            Assert.Equal(row, TimingOrder.For(count, step + 3 * cycle)); // the design repeats
        }
        Assert.All(positions.Cast<int>(), n => Assert.Equal(cycle / count, n));
        var after = Followers(s => TimingOrder.For(count, s), count, cycle);
        for (int a = 0; a < count; a++)
            for (int b = 0; b < count; b++)
                Assert.Equal(a == b ? 0 : cycle / count, after[a, b]);
    }

    [Fact]
    public void The_rotation_it_replaces_kept_the_baseline_after_budget_2_three_steps_in_four()
    {
        // Found by a review: TrainingSpeed rotated one order (configuration i + step), which balances positions but not
        // predecessors: the baseline (0) ran right after budget 2.0 (3) in every step but the one it opened.
        var rotated = Followers(s => Enumerable.Range(0, 4).Select(i => (i + s) % 4).ToList(), 4, 4);
        Assert.Equal(3, rotated[3, 0]);
        Assert.Equal(0, rotated[1, 0] + rotated[2, 0]);
        var balanced = Followers(s => TimingOrder.For(4, s), 4, 4);
        Assert.Equal(new[] { 1, 1, 1 }, new[] { balanced[1, 0], balanced[2, 0], balanced[3, 0] });
        Assert.Equal(new[] { 0, 1, 3, 2 }, TimingOrder.For(4, 0));
    }

    [Fact]
    public void The_measured_steps_are_whole_cycles_of_the_design()
    {
        Assert.Equal(32, TimingOrder.MeasuredSteps(30, 4)); // bench/TrainingSpeed -- 30: four training configurations
        Assert.Equal(30, TimingOrder.MeasuredSteps(30, 3)); // three inference ones: cycles of six
        Assert.Equal(24, TimingOrder.MeasuredSteps(20, 3));
        Assert.Equal(20, TimingOrder.MeasuredSteps(20, 4));
        Assert.Equal(12, TimingOrder.MeasuredSteps(1, 4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimingOrder.MeasuredSteps(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimingOrder.For(0, 0));
    }
}
