using Microsoft.AspNetCore.Connections;
using Prometheus;

namespace NeuroPilot.Edge.Limits;

/// <summary>
/// At most <c>Edge.Limits.MaxConnections</c> client connections open on the proxy listeners; a connection over the
/// limit is closed at once, before a byte is read. A Kestrel connection middleware of the proxy listeners only, so a
/// flood of connections never locks operators out of the admin listener (Kestrel's own connection limit is shared by
/// every listener). Costs two atomic adds per connection, nothing per request.
/// </summary>
public sealed class ConnectionLimiter(int maxConnections, Counter rejected, Gauge open)
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (Interlocked.Increment(ref _open) > maxConnections)
        {
            Interlocked.Decrement(ref _open);
            rejected.Inc();
            connection.Abort(new ConnectionAbortedException("Edge.Limits.MaxConnections reached"));
            return;
        }

        open.Inc();
        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            open.Dec();
        }
    };
}
