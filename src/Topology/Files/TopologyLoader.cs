using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Files;

/// <summary>The outcome of loading a topology file: the compiled spec when there are no errors, and every diagnostic.</summary>
public sealed class LoadResult
{
    internal LoadResult(string file, PipelineSpec? spec, IReadOnlyList<Diagnostic> diagnostics, TopologyModel? model)
    {
        File = file;
        Spec = spec;
        Diagnostics = diagnostics;
        Model = model;
    }

    /// <summary>The file name used in diagnostics.</summary>
    public string File { get; }

    /// <summary>The runtime form; null when the file has errors.</summary>
    public PipelineSpec? Spec { get; }

    /// <summary>All errors and warnings, in file order.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    /// <summary>The file as written (with positions), when it got past the field tables; used by the tools.</summary>
    internal TopologyModel? Model { get; }
}

/// <summary>
/// Entry point for topology files (<c>topologies/*.yaml</c>): reads, checks and compiles them.
/// Never throws for a bad file: every problem becomes a <see cref="Diagnostic"/>.
/// </summary>
public static class TopologyLoader
{
    /// <summary>Loads and compiles the file at <paramref name="path"/> (UTF-8, at most 4 MiB).</summary>
    public static LoadResult Load(string path)
    {
        var diags = new DiagnosticBag(path);
        var text = SourceText.ReadFile(path, diags);
        return text is null ? new LoadResult(path, null, diags.Sorted(), null) : Parse(text, path);
    }

    /// <summary>Loads and compiles a topology read from <paramref name="stream"/> (stdin); <paramref name="file"/> names it.</summary>
    internal static LoadResult Load(Stream stream, string file)
    {
        var diags = new DiagnosticBag(file);
        var text = SourceText.ReadStream(stream, diags);
        return text is null ? new LoadResult(file, null, diags.Sorted(), null) : Parse(text, file);
    }

    /// <summary>Loads and compiles topology text; <paramref name="file"/> only names it in diagnostics.</summary>
    public static LoadResult Parse(string text, string file)
    {
        var diags = new DiagnosticBag(file);
        TopologyModel? model = null;
        PipelineSpec? spec = null;
        try
        {
            model = Read(text, diags);
            if (model is not null)
            {
                TopologyValidator.Validate(model, diags);
                if (!diags.HasErrors) spec = TopologyCompiler.Compile(model, diags);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug of ours, not a problem of the file; still reported as a diagnostic instead of a stack trace.
            diags.Error(Pos.Start, $"internal error while checking this file ({ex.GetType().Name}: {ex.Message}); please report it");
        }
        return new LoadResult(file, diags.HasErrors ? null : spec, diags.Sorted(), model);
    }

    private static TopologyModel? Read(string text, DiagnosticBag diags)
    {
        var root = YamlText.Parse(text, diags);
        if (root is null) return null;
        if (TopologyFormat.Root.Read(root, "the file", diags) is not Obj obj) return null;
        return TopologyModelBuilder.Build(obj, diags.File);
    }
}
