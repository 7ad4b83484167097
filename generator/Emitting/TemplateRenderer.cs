using System.Collections.Generic;
using System.IO;
using System.Reflection;
using Scriban;
using Scriban.Runtime;

namespace NpasDsl.Generator.Emitting;

/// <summary>
/// Renders the embedded Scriban templates. Templates are parsed once; each render gets a fresh, strict
/// context: member names are used as written, an unknown variable is an error rather than empty text,
/// lines end in "\n" whatever the machine, and no output is cut short (Scriban's default stops a render at
/// 1,048,576 characters and appends "...", which a model of many layers with long names reaches).
/// </summary>
internal static class TemplateRenderer
{
    private static readonly Dictionary<string, Template> Templates = new();
    private static readonly object Gate = new();

    public static string Render(string templateName, object model)
    {
        var template = Load(templateName);
        var globals = new ScriptObject();
        globals.Import(model, renamer: member => member.Name);
        var context = new TemplateContext
        {
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            LoopLimit = 0,
            LimitToString = 0,
            OutputLimit = 0,
            NewLine = "\n",
            MemberRenamer = member => member.Name,
        };
        context.PushGlobal(globals);
        return template.Render(context);
    }

    private static Template Load(string name)
    {
        lock (Gate)
        {
            if (Templates.TryGetValue(name, out var cached)) return cached;
            var resource = "NpasDsl.Generator.Templates." + name + ".scriban";
            using var stream = typeof(TemplateRenderer).GetTypeInfo().Assembly.GetManifestResourceStream(resource)
                ?? throw new FileNotFoundException("Embedded template missing: " + resource);
            using var reader = new StreamReader(stream);
            var template = Template.Parse(reader.ReadToEnd().Replace("\r\n", "\n"), name);
            if (template.HasErrors) throw new InvalidDataException($"Template {name} does not parse: {string.Join("; ", template.Messages)}");
            Templates[name] = template;
            return template;
        }
    }
}
