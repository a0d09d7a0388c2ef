namespace NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

/// <summary>One HTTP answer of the emulator, decided under its lock and written after.</summary>
internal sealed record Answer(int Status, string ContentType, string Body, int? RetryAfterSeconds, int? ErrorCode);
