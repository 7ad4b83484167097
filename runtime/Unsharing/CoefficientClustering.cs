namespace NpasDsl.Unsharing;

/// <summary>
/// How one coefficient set splits, given the cosines of its members' gradient sums. Members are taken in
/// declaration order; each joins the first cluster with whose every member it agrees (cosine above the threshold),
/// or else starts a new cluster. So any two members whose cosine is at or below the threshold end up in different
/// vectors (complete linkage: agreement with a third layer never carries two disagreeing layers into one vector),
/// the result does not depend on anything but the order, and the set's first member stays in the first cluster,
/// keeping the vector it already holds.
/// </summary>
internal static class CoefficientClustering
{
    /// <summary>The cluster of every member: 0 for the first member's, then numbered in order of their first member.</summary>
    public static int[] Cluster(double[,] cosines, double threshold)
    {
        int count = cosines.GetLength(0);
        var cluster = new int[count];
        var members = new System.Collections.Generic.List<System.Collections.Generic.List<int>>();
        for (int i = 0; i < count; i++)
        {
            int joined = members.FindIndex(c => c.TrueForAll(j => cosines[i, j] > threshold));
            if (joined < 0)
            {
                joined = members.Count;
                members.Add(new System.Collections.Generic.List<int>());
            }
            members[joined].Add(i);
            cluster[i] = joined;
        }
        return cluster;
    }

    /// <summary>
    /// The cosine of two gradient sums, in [−1, 1]; 0 when either is zero (a layer the loss never reached agrees with
    /// nothing). Clamped because rounding can put parallel sums just above 1 (one-element sums of K = 1 layers do:
    /// 8.357815274094778 and 4.3282379119826295 give 1.0000000000000002), and threshold 1 must still split every pair.
    /// </summary>
    public static double Cosine(double[] a, double[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa > 0 && bb > 0 ? System.Math.Clamp(dot / System.Math.Sqrt(aa * bb), -1, 1) : 0;
    }
}
