package prometheus_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	kitprom "github.com/endpointkit/kit/metrics/prometheus"
)

func Example() {
	reg := prometheus.NewRegistry() // or prometheus.DefaultRegisterer, by choice
	requests, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{
		Name: "requests_total", Help: "Requests served.",
	}, []string{"method", "code"})
	if err != nil {
		fmt.Println(err)
		return
	}
	requests.With("method", "sum", "code", "200").Add(1)

	// A second registration of the same name is an error, not a panic.
	_, err = kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "requests_total", Help: "Again."}, nil)
	fmt.Println(err != nil)

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "requests_total") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// true
	// requests_total{code="200",method="sum"} 1
}
