using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

[Trait("Kind", "Unit")]
public sealed class RedisServerProcessTests
{
    [Fact]
    public void Missing_redis_server_fails_with_install_instructions()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), $"no-redis-{Guid.NewGuid():N}");

        var error = Assert.Throws<InvalidOperationException>(() =>
            RedisServerProcess.FindBinary(nowhere, Path.Combine(nowhere, "redis-server")));

        Assert.Contains("scripts/install-test-deps.sh", error.Message);
    }
}
