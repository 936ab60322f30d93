// Command stock asks the inventory service how many of some items are in
// stock, the way other services call it: a plain http.Client, or a
// grpc-go client.
//
//	stock -addr 127.0.0.1:8080 apple pear
//	stock -addr 127.0.0.1:8080,127.0.0.1:9080 -n 1000 -every 10ms apple
//	stock -grpc -addr 127.0.0.1:8081 apple
//
// It prints one line per answer, "apple 12", or "apple error: ..." for a
// failed call, and exits with status 1 when a call failed.
//
// examples/adopt's README shows it adopting kit; each piece of kit in this
// file is marked with a comment "kit:".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/adopt/pb"
	"github.com/endpointkit/kit/loadbalancer/static"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"github.com/endpointkit/kit/transport/http/roundtrip"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stock:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr    = fs.String("addr", "127.0.0.1:8080", "the inventory service's HTTP address, or several instances' comma-separated")
		n       = fs.Int("n", 1, "how many rounds of questions to ask")
		every   = fs.Duration("every", 0, "pause between rounds")
		useGRPC = fs.Bool("grpc", false, "ask over gRPC; -addr then names gRPC addresses")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 0:
		return errors.New("name at least one item (SKU)")
	case *n < 1:
		return fmt.Errorf("-n %d: want 1 or more", *n)
	case *every < 0:
		return fmt.Errorf("-every %v: want 0 or more", *every)
	}

	// kit: one discovery source for both clients below: here a fixed
	// list; loadbalancer/dnssrv, etcd, consul or zk alike.
	instancer := static.NewInstancer(strings.Split(*addr, ","))

	var inventory interface {
		count(ctx context.Context, sku string) (int64, error)
	}
	if *useGRPC {
		// kit: discovery feeds the ClientConn through transport/grpc's
		// resolver (grpc's round_robin balances over the instances), and
		// a circuit breaker runs around every call through its client
		// interceptor: Unavailable answers open it, NotFound never does.
		breaker := circuitbreaker.NewBreaker(circuitbreaker.Settings{})
		conn, err := grpc.NewClient("kit:///inventory",
			grpc.WithResolvers(kitgrpc.NewResolver("kit", instancer)),
			grpc.WithDefaultServiceConfig(`{"loadBalancingConfig": [{"round_robin":{}}]}`),
			grpc.WithChainUnaryInterceptor(kitgrpc.UnaryClientInterceptor(breaker.Middleware)),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer conn.Close()
		inventory = grpcClient{pb.NewInventoryClient(conn)}
	} else {
		// kit: the client's Transport sends each request to one of the
		// instances (power of two choices over their latency), retries
		// idempotent requests on another instance within a retry budget,
		// ejects outliers, and keeps a circuit breaker per instance.
		// Requests name the service, http://inventory, instead of a host.
		rt := roundtrip.NewTransport(instancer,
			roundtrip.TransportInstanceMiddleware(func(instance string) endpoint.Middleware {
				return circuitbreaker.NewBreaker(circuitbreaker.Settings{}).Middleware
			}))
		defer rt.Close()

		client := &http.Client{Transport: rt, Timeout: 5 * time.Second}
		inventory = httpClient{base: "http://inventory", http: client}
	}

	var calls, failed int
	for round := range *n {
		if round > 0 && *every > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(*every):
			}
		}
		for _, sku := range fs.Args() {
			calls++
			count, err := inventory.count(ctx, sku)
			if err != nil {
				failed++
				fmt.Fprintf(stdout, "%s error: %v\n", sku, err)
				continue
			}
			fmt.Fprintf(stdout, "%s %d\n", sku, count)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d calls failed", failed, calls)
	}
	return nil
}

// httpClient calls the inventory service's HTTP API.
type httpClient struct {
	base string // scheme and host: http://127.0.0.1:8080
	http *http.Client
}

// count returns the stock of sku.
func (c httpClient) count(ctx context.Context, sku string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/items/"+url.PathEscape(sku), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Count int64  `json:"count"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body); err != nil {
		return 0, fmt.Errorf("%s: decode the answer: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", resp.Status, body.Error)
	}
	return body.Count, nil
}

// grpcClient calls the inventory service's gRPC API.
type grpcClient struct {
	pb pb.InventoryClient
}

// count returns the stock of sku.
func (c grpcClient) count(ctx context.Context, sku string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	item, err := c.pb.GetItem(ctx, &pb.GetItemRequest{Sku: sku})
	if err != nil {
		return 0, err
	}
	return item.GetCount(), nil
}
