namespace ContactCenter.Topology.Spec;

/// <summary>The JSON type a source event's field must have (topology file: a merge part's <c>types</c>); a record whose
/// field has another type is dead-lettered. A null is an absent field, whatever the type.</summary>
public enum JsonFieldType
{
    /// <summary>Any type (the field declares none).</summary>
    Any,
    String,
    Number,

    /// <summary>A number without a fractional part (as JSON Schema's <c>integer</c>: 3 and 3.0, not 3.5).</summary>
    Integer,
    Boolean,
    Object,
    Array,
}
