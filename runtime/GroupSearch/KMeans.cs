using System;
using System.Linq;

namespace NpasDsl.GroupSearch;

/// <summary>
/// Lloyd's k-means with k-means++ seeding from a seeded random source: the same input always gives the same clusters.
/// Fewer clusters than asked come back only when the points have fewer distinct values (count them in the result).
/// </summary>
internal static class KMeans
{
    public static int[] Cluster(double[][] points, int clusters, long seed, int iterations = 100)
    {
        int n = points.Length;
        if (n == 0) return Array.Empty<int>(); // every layer pinned to a declared group: nothing to cluster
        clusters = Math.Max(1, Math.Min(clusters, n));
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var centres = new double[clusters][];
        centres[0] = points[random.Next(n)];
        for (int c = 1; c < clusters; c++)
        {
            var distances = points.Select(p => centres.Take(c).Min(centre => Distance(p, centre))).ToArray();
            double total = distances.Sum(), pick = random.NextDouble() * total;
            int chosen = 0;
            for (double running = distances[0]; running < pick && chosen < n - 1; running += distances[++chosen]) { }
            centres[c] = total > 0 ? points[chosen] : points[c];
        }
        return Refine(points, centres, iterations);
    }

    /// <summary>Lloyd's iterations from the given starting centres (one cluster per centre); the centres array is updated.</summary>
    internal static int[] Refine(double[][] points, double[][] centres, int iterations = 100)
    {
        int n = points.Length, clusters = centres.Length;
        var assignment = new int[n];
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            bool changed = false;
            for (int i = 0; i < n; i++)
            {
                int best = Enumerable.Range(0, clusters).OrderBy(c => Distance(points[i], centres[c])).ThenBy(c => c).First();
                if (best == assignment[i]) continue;
                assignment[i] = best;
                changed = true;
            }
            for (int c = 0; c < clusters; c++)
            {
                var members = Enumerable.Range(0, n).Where(i => assignment[i] == c).ToList();
                if (members.Count == 0)
                {
                    // An empty cluster takes the point farthest from its centre (in a cluster it shares), so k clusters are
                    // returned whenever the points have k distinct values; points that coincide are never split.
                    var sizes = Enumerable.Range(0, clusters).Select(k => assignment.Count(a => a == k)).ToArray();
                    var farthest = Enumerable.Range(0, n).Where(i => sizes[assignment[i]] > 1)
                        .Select(i => (Point: i, Distance: Distance(points[i], centres[assignment[i]])))
                        .Where(p => p.Distance > 0)
                        .OrderByDescending(p => p.Distance).ThenBy(p => p.Point)
                        .FirstOrDefault();
                    if (farthest.Distance > 0)
                    {
                        assignment[farthest.Point] = c;
                        centres[c] = points[farthest.Point];
                        changed = true;
                    }
                    continue;
                }
                centres[c] = Enumerable.Range(0, points[0].Length).Select(d => members.Average(i => points[i][d])).ToArray();
            }
            if (!changed && iteration > 0) break;
        }
        return assignment;
    }

    private static double Distance(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (a[i] - b[i]) * (a[i] - b[i]);
        return sum;
    }
}
