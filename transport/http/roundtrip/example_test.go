package roundtrip_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/static"
	"github.com/endpointkit/kit/transport/http/roundtrip"
)

func Example() {
	// Three instances of a service; the second is down.
	var instances []string
	for range 3 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "sum=%s", r.URL.Query().Get("a")+"+"+r.URL.Query().Get("b"))
		}))
		defer srv.Close()
		instances = append(instances, strings.TrimPrefix(srv.URL, "http://"))
	}
	down := httptest.NewServer(http.NotFoundHandler())
	instances[1] = strings.TrimPrefix(down.URL, "http://")
	down.Close()

	// Discovery (any loadbalancer.Instancer: static, dnssrv, etcd, consul,
	// zk), a circuit breaker per instance, and kit's defaults for the rest:
	// P2C, retries within a budget, outlier ejection.
	rt := roundtrip.NewTransport(static.NewInstancer(instances),
		roundtrip.TransportInstanceMiddleware(func(instance string) endpoint.Middleware {
			return circuitbreaker.NewBreaker(circuitbreaker.Settings{}).Middleware
		}),
		roundtrip.TransportRetry(loadbalancer.RetrySettings{MaxAttempts: 3}))
	defer rt.Close()

	// The existing client changes only its Transport, and names the
	// service instead of a host.
	client := &http.Client{Transport: rt}
	for range 5 {
		resp, err := client.Get("http://addsvc/sum?a=1&b=2")
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	// Output:
	// 200 sum=1+2
	// 200 sum=1+2
	// 200 sum=1+2
	// 200 sum=1+2
	// 200 sum=1+2
}

func ExampleTransportHedge() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	// Idempotent requests get a backup attempt on another instance when
	// the first is slower than the 98th percentile of recent latencies,
	// within 5% of extra load; the others make one attempt.
	rt := roundtrip.NewTransport(loadbalancer.FixedInstancer{srv.URL},
		roundtrip.TransportHedge(loadbalancer.HedgeSettings{}))
	defer rt.Close()
	resp, err := (&http.Client{Transport: rt}).Get("http://svc/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 200 ok
}
