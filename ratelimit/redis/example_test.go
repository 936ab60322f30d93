package redis_test

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
	kitredis "github.com/endpointkit/kit/ratelimit/redis"
)

// This example needs a Redis server, so it is compiled but not run.
func ExampleNewLimiter() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	lim, err := kitredis.NewLimiter(client, "ratelimit:sum", kitredis.Settings{
		Rate: 100, Burst: 20, // per second, shared by every instance
		// While Redis is away, each of the 4 instances allows its share.
		OnError:  kitredis.FallBack,
		Fallback: rate.NewLimiter(25, 5),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	e := lim.Middleware(endpoint.Nop)
	if _, err := e(context.Background(), nil); errors.Is(err, ratelimit.ErrLimited) {
		fmt.Println("try later")
	}
}
