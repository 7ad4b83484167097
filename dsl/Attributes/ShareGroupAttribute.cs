using System;

namespace NpasDsl;

/// <summary>Pins a layer (or every layer of a <c>[Repeat]</c>) to a named group that owns one bank.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ShareGroupAttribute : Attribute
{
    /// <summary>Pins the layer to the group called <paramref name="name"/>.</summary>
    public ShareGroupAttribute(string name) => Name = name;

    /// <summary>The group's name; it also names the bank in the state dict.</summary>
    public string Name { get; }

    /// <summary>SPIN share rate for repeated layers: r consecutive or strided repeats use one weight set.</summary>
    public int Rate { get; set; }

    /// <summary>How repeats map onto weight sets when <see cref="Rate"/> is set.</summary>
    public ShareMapping Mapping { get; set; } = ShareMapping.Sequential;
}

/// <summary>An ordinary layer with its own weights. It is still counted in the budget.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class NoShareAttribute : Attribute { }

/// <summary>Declares <c>count</c> layers of the same spec, exposed as a <c>ModuleList&lt;T&gt;</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class RepeatAttribute : Attribute
{
    /// <summary>Declares <paramref name="count"/> layers of the attached spec.</summary>
    public RepeatAttribute(int count) => Count = count;

    /// <summary>How many layers the property holds.</summary>
    public int Count { get; }
}
