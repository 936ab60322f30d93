// Package redis provides a rate limit shared by every instance of a
// service, kept in Redis through github.com/redis/go-redis/v9.
//
// Each decision is one round trip: a Lua script runs the generic cell rate
// algorithm (GCRA) atomically on the server, against the server's clock, so
// instances with skewed clocks still share one exact rate. The key holds a
// single number (the theoretical arrival time of the next event) and
// expires once the limit is full again, so idle keys cost nothing.
//
// # When Redis is unreachable
//
// A shared limit depends on Redis; what a [Limiter] does when a decision
// fails (Redis down, slow past Settings.Timeout, a network error) is an
// explicit [Policy]: refuse the call ([FailClosed], the default, which
// protects what the limit protects), let it through ([FailOpen], which
// protects availability), or ask a local limiter ([FallBack], typically a
// *rate.Limiter set to this instance's share of the rate). Decisions go back
// to Redis as soon as it answers again.
//
// Settings.Timeout (and the caller's deadline, when earlier) bounds every
// decision whatever the go-redis client's options, so a Redis that hangs
// (stopped, overloaded, behind a black-holing network) costs each call at
// most Timeout before the policy acts, not the client's read timeout and
// retries. A decision that times out leaves its call to Redis running in
// the background until the client gives up on it; when 128 such calls are
// pending, decisions fail at once without sending another.
//
// # Use
//
//	client := redis.NewClient(&redis.Options{Addr: addr})
//	lim := kitredis.NewLimiter(client, "ratelimit:sum", kitredis.Settings{
//		Rate: 100, Burst: 20, // per second, across all instances
//		OnError: kitredis.FallBack, Fallback: rate.NewLimiter(25, 5),
//	})
//	e = lim.Middleware(e)
//
// A Limiter is safe for concurrent use and starts no goroutine; the client
// is the caller's to close.
package redis
