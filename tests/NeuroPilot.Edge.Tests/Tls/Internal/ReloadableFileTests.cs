using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Tests.Dns;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Tests.Tls.Internal;

/// <summary>
/// The one reload core of certificate, key, CA and JWKS files, driven by a fake clock (folder watching off): the
/// periodic re-check finds every change, a broken change keeps the last good value and is reported once, after it
/// has stayed broken for the settle time.
/// </summary>
public sealed class ReloadableFileTests : IDisposable
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-04T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly string _folder = Directory.CreateTempSubdirectory("reloadable-file-").FullName;
    private readonly CapturingLogger<ReloadableFileTests> _log = new();
    private readonly List<string> _reloaded = [];
    private readonly List<(string Path, string Reason)> _rejected = [];

    [Fact]
    public void Check_GoodThenBrokenThenGood_KeepsTheOldValueWhileBrokenAndPicksUpTheNewOne()
    {
        var path = Write("value.txt", "one");
        using var file = Watch(path);

        Write("value.txt", "bad: not a value");
        _time.Advance(Recheck);
        Assert.Equal("one", file.Current); // first sighting: maybe a writer in the middle of its work
        Assert.Empty(_rejected);
        _time.Advance(Settle);

        Assert.Equal("one", file.Current);
        Assert.Equal([(path, "not a value")], _rejected);
        Assert.Single(_log.Lines, l => l.Text.Contains($"Rejected new value file: {path}: not a value; the previous one stays in use", StringComparison.Ordinal));

        Write("value.txt", "two");
        _time.Advance(Recheck);

        Assert.Equal("two", file.Current);
        Assert.Equal(["two"], _reloaded);
    }

    [Fact]
    public void Check_BrokenContentStays_IsReportedOnlyOnce()
    {
        var path = Write("value.txt", "one");
        using var file = Watch(path);
        Write("value.txt", "bad: garbage");

        for (var i = 0; i < 10; i++)
        {
            _time.Advance(Recheck);
        }

        Assert.Single(_rejected);
        Assert.Equal("one", file.Current);
    }

    [Fact]
    public void Check_BrokenOnlyForAMomentWhileBeingWritten_IsNeverReported()
    {
        var path = Write("value.txt", "one");
        using var file = Watch(path);

        Write("value.txt", "bad: half written");
        _time.Advance(Recheck);
        Write("value.txt", "two");
        _time.Advance(Settle);

        Assert.Empty(_rejected);
        Assert.Equal("two", file.Current);
    }

    [Fact]
    public void Check_UnchangedContentRewritten_ReloadsNothing()
    {
        var path = Write("value.txt", "one");
        using var file = Watch(path);

        Write("value.txt", "one");
        _time.Advance(Recheck);

        Assert.Empty(_reloaded);
    }

    [Fact]
    public void Check_FileDeleted_KeepsTheValueAndSaysItCannotBeRead()
    {
        var path = Write("value.txt", "one");
        using var file = Watch(path);

        File.Delete(path);
        _time.Advance(Recheck);
        _time.Advance(Settle);

        Assert.Equal("one", file.Current);
        Assert.Equal([(path, "cannot read: no such file or directory")], _rejected);
    }

    [Fact]
    public void Check_SymlinkSwappedLikeKubernetesDataFolder_PicksUpTheNewTarget()
    {
        // cert-manager and the kubelet: value.txt -> ..data/value.txt, "..data" -> a timestamped folder, swapped by rename.
        var first = Directory.CreateDirectory(Path.Combine(_folder, "..2026_12_04_1")).FullName;
        File.WriteAllText(Path.Combine(first, "value.txt"), "one");
        File.CreateSymbolicLink(Path.Combine(_folder, "..data"), first);
        var path = Path.Combine(_folder, "value.txt");
        File.CreateSymbolicLink(path, Path.Combine("..data", "value.txt"));
        using var file = Watch(path);

        var second = Directory.CreateDirectory(Path.Combine(_folder, "..2026_12_04_2")).FullName;
        File.WriteAllText(Path.Combine(second, "value.txt"), "two");
        FileSwap.Relink(Path.Combine(_folder, "..data"), second);
        _time.Advance(Recheck);

        Assert.Equal("two", file.Current);
    }

    [Fact]
    public void Check_SecondFileOfThePairChangesAlone_IsAChange()
    {
        var a = Write("a.txt", "one");
        var b = Write("b.txt", "x");
        using var file = new ReloadableFile<string>("pair", [a, b], c => string.Join('+', c.Select(f => File.ReadAllText(f.Path))),
            ReloadableFile<string>.Load([a, b], c => string.Join('+', c.Select(f => System.Text.Encoding.UTF8.GetString(f.Bytes))), 1024),
            Options(), _time, _log);

        Write("b.txt", "y");
        _time.Advance(Recheck);

        Assert.Equal("one+y", file.Current);
    }

    [Fact]
    public void Check_NothingGoodAtFirst_HasNoValueUntilTheFilesBecomeGood()
    {
        var path = Write("value.txt", "bad: not yet");
        using var file = new ReloadableFile<string>("value file", [path], Parse, initial: null, Options(), _time, _log);
        file.Rejected += (p, r) => _rejected.Add((p, r));
        file.Check();
        _time.Advance(Settle);

        Assert.Null(file.Current);
        Assert.Single(_rejected);
        Assert.Contains(_log.Lines, l => l.Text.EndsWith("nothing is served from these files yet", StringComparison.Ordinal));

        Write("value.txt", "one");
        _time.Advance(Recheck);

        Assert.Equal("one", file.Current);
        Assert.Contains(_log.Lines, l => l.Text.StartsWith("Loaded value file from", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ParserThrowsSomethingUnexpected_IsARejectionNotACrash()
    {
        var path = Write("value.txt", "one");
        using var file = new ReloadableFile<string>("value file", [path],
            c => System.Text.Encoding.UTF8.GetString(c[0].Bytes) == "boom" ? throw new FormatException("x") : System.Text.Encoding.UTF8.GetString(c[0].Bytes),
            ReloadableFile<string>.Load([path], Parse, 1024), Options(), _time, _log);
        file.Rejected += (p, r) => _rejected.Add((p, r));

        Write("value.txt", "boom");
        _time.Advance(Recheck);
        _time.Advance(Settle);

        Assert.Equal([(path, "cannot be used (FormatException)")], _rejected);
        Assert.Equal("one", file.Current);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private static string Parse(IReadOnlyList<FileContent> contents)
    {
        var text = System.Text.Encoding.UTF8.GetString(contents[0].Bytes);
        return text.StartsWith("bad: ", StringComparison.Ordinal) ? throw new FileRejectedException(contents[0].Path, text[5..]) : text;
    }

    private static ReloadableFileOptions Options() => new() { RecheckInterval = Recheck, Settle = Settle, WatchFolders = false };

    private ReloadableFile<string> Watch(string path)
    {
        var file = new ReloadableFile<string>("value file", [path], Parse, ReloadableFile<string>.Load([path], Parse, 1024), Options(), _time, _log);
        file.Reloaded += _reloaded.Add;
        file.Rejected += (p, r) => _rejected.Add((p, r));
        return file;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
