using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NeuroPilot.Edge.Tests.Architecture;

/// <summary>
/// Which feature folder of <c>src/NeuroPilot.Edge</c> uses which, read from the source with Roslyn's semantic model:
/// every name in a file of folder A that binds to a type or member declared in namespace <c>NeuroPilot.Edge.B</c>
/// (or below it) is a use of B by A. Namespaces follow folders (checked too), so this is the folder graph.
/// </summary>
public sealed class FolderDependencies
{
    private const string RootNamespace = "NeuroPilot.Edge";

    private FolderDependencies(IReadOnlyDictionary<(string From, string To), string> edges, IReadOnlyList<string> misplaced)
    {
        Edges = edges;
        Misplaced = misplaced;
    }

    /// <summary>Each use of one folder by another, with one example (<c>file:line name</c>).</summary>
    public IReadOnlyDictionary<(string From, string To), string> Edges { get; }

    /// <summary>Files whose namespace is not their folder's.</summary>
    public IReadOnlyList<string> Misplaced { get; }

    public static string SourceRoot => Path.Combine(RepositoryRoot(), "src", "NeuroPilot.Edge");

    /// <summary>Reads the product source, plus <paramref name="extraSources"/> (path relative to the source root, text).</summary>
    public static FolderDependencies Read(params (string Path, string Text)[] extraSources)
    {
        var root = SourceRoot;
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !f.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => (Path: f, Text: File.ReadAllText(Path.Combine(root, f))))
            .Concat(extraSources);
        var options = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, options, f.Path)).ToList();
        trees.Add(CSharpSyntaxTree.ParseText(ImplicitUsings, options, "ImplicitUsings.g.cs"));
        var compilation = CSharpCompilation.Create("FolderDependencies", trees, References(), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var edges = new ConcurrentDictionary<(string, string), string>();
        var misplaced = new ConcurrentBag<string>();
        Parallel.ForEach(trees, tree =>
        {
            var folder = FolderOf(tree.FilePath);
            if (folder is null)
            {
                return;
            }

            var model = compilation.GetSemanticModel(tree);
            var syntaxRoot = tree.GetRoot();
            foreach (var declared in syntaxRoot.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
            {
                var name = declared.Name.ToString();
                if (name != $"{RootNamespace}.{folder}" && !name.StartsWith($"{RootNamespace}.{folder}.", StringComparison.Ordinal))
                {
                    misplaced.Add($"{tree.FilePath}: namespace {name}");
                }
            }

            foreach (var name in syntaxRoot.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (name.Ancestors().Any(a => a is UsingDirectiveSyntax || (a is BaseNamespaceDeclarationSyntax ns && ns.Name.Span.Contains(name.Span))))
                {
                    continue; // using directives and namespace names are not uses
                }

                var info = model.GetSymbolInfo(name);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                var used = FolderOfSymbol(symbol);
                if (used is not null && used != folder)
                {
                    var line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    edges.TryAdd((folder, used), $"{tree.FilePath}:{line} {name}");
                }
            }
        });

        return new FolderDependencies(edges, misplaced.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>The first folder under the source root, or null for files at the root (Program.cs) and generated ones.</summary>
    private static string? FolderOf(string path)
    {
        var parts = path.Split(Path.DirectorySeparatorChar, '/');
        return parts.Length > 1 ? parts[0] : null;
    }

    private static string? FolderOfSymbol(ISymbol? symbol)
    {
        if (symbol is null or INamespaceSymbol or ITypeParameterSymbol or IDiscardSymbol)
        {
            return null;
        }

        if (symbol is ILocalSymbol or IParameterSymbol or ILabelSymbol or IRangeVariableSymbol)
        {
            return null;
        }

        var type = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        while (type?.ContainingType is not null)
        {
            type = type.ContainingType;
        }

        var ns = (type?.ContainingNamespace ?? symbol.ContainingNamespace)?.ToDisplayString();
        if (ns is null || !ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal) || ns.StartsWith(RootNamespace + ".Tests", StringComparison.Ordinal))
        {
            return null;
        }

        return ns[(RootNamespace.Length + 1)..].Split('.')[0];
    }

    private static List<MetadataReference> References()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !Path.GetFileName(p).StartsWith("NeuroPilot.Edge", StringComparison.Ordinal))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First());
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NeuroPilot.Edge.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no NeuroPilot.Edge.sln above {AppContext.BaseDirectory}");
    }

    // The SDK's implicit usings for a Web project (what the product compiles with).
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Net.Http.Json;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Hosting;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.AspNetCore.Routing;
        global using Microsoft.Extensions.Configuration;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        """;
}
