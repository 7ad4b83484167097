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

    /// <summary>The cosine of two gradient sums; 0 when either is zero (a layer the loss never reached agrees with nothing).</summary>
    public static double Cosine(double[] a, double[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa > 0 && bb > 0 ? dot / System.Math.Sqrt(aa * bb) : 0;
    }
}
