package addclient

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/endpointkit/kit/auth/mtls"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// Flags are the command-line flags that choose the client stack: the
// transport, discovery, balancer, retries, hedging, breakers, rate limit
// and TLS. addcli and addload register the same set with [RegisterFlags],
// so that a stack tried with one is the stack measured with the other.
// Its methods only read the flags' values: call them after the FlagSet is
// parsed, from any goroutine.
type Flags struct {
	transport, thriftProto                *string
	thriftFramed                          *bool
	addr, instances                       *string
	srvName, srvServer                    *string
	srvInterval                           *time.Duration
	consulService, consulAddr, consulTags *string
	etcdEndpoints, etcdPrefix             *string
	balancer                              *string
	retryMax                              *int
	retryAttempt                          *time.Duration
	retryBudget                           *float64
	hedge                                 *bool
	hedgeDelay                            *time.Duration
	hedgePercentile, hedgeMaxExtra        *float64
	breakerOn                             *bool
	breakerMin                            *int
	breakerOpen                           *time.Duration
	rateLimit                             *float64
	rateBurst                             *int
	tlsCA, tlsCert, tlsKey, tlsServerName *string
}

// RegisterFlags defines the client stack's flags on fs and returns them,
// to be read after fs.Parse.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	return &Flags{
		transport:       fs.String("transport", "http", "transport to use: http, jsonrpc, grpc or thrift"),
		thriftProto:     fs.String("thrift-protocol", "header", "with -transport thrift: header, binary, compact or json"),
		thriftFramed:    fs.Bool("thrift-framed", false, "with -transport thrift: frame binary, compact or json messages"),
		addr:            fs.String("addr", "", "address of the one server to call (default: the addsvc default for the transport)"),
		instances:       fs.String("instances", "", "comma-separated addresses of the servers to balance over, instead of -addr"),
		srvName:         fs.String("dnssrv", "", "DNS SRV name whose targets are the servers, e.g. _http._tcp.addsvc.example.com"),
		srvInterval:     fs.Duration("dnssrv.interval", 5*time.Second, "how often to look up -dnssrv again"),
		srvServer:       fs.String("dnssrv.server", "", "host:port of the DNS server for -dnssrv (default: the system's resolver)"),
		consulService:   fs.String("consul", "", "name of the Consul service whose passing instances are the servers, e.g. addsvc-grpc"),
		consulAddr:      fs.String("consul.addr", "127.0.0.1:8500", "address of the Consul agent to ask for -consul"),
		consulTags:      fs.String("consul.tags", "", "comma-separated tags every instance of -consul must have"),
		etcdEndpoints:   fs.String("etcd.endpoints", "", "comma-separated etcd endpoints to discover the servers from"),
		etcdPrefix:      fs.String("etcd.prefix", "/services/addsvc/", "etcd key prefix under which each server's address is a value"),
		balancer:        fs.String("balancer", "p2c", "load balancer: p2c (power of two choices over peak-EWMA latency), leastinflight, roundrobin or random"),
		retryMax:        fs.Int("retry.max", 3, "attempts per call in all, the first included (1: no retry)"),
		retryAttempt:    fs.Duration("retry.attempt-timeout", 0, "deadline of each attempt (0: only the call's -timeout)"),
		retryBudget:     fs.Float64("retry.budget", 0.2, "retries allowed per call, over a 10s window, plus a floor of 10 per second"),
		hedge:           fs.Bool("hedge", false, "send a backup attempt of an idempotent call (sum) to another instance when the first is slow"),
		hedgeDelay:      fs.Duration("hedge.delay", 0, "with -hedge: how long the first attempt may take before the backup (0: -hedge.percentile of recent latency)"),
		hedgePercentile: fs.Float64("hedge.percentile", 0.98, "with -hedge and no -hedge.delay: the quantile of recent latency after which the backup is sent"),
		hedgeMaxExtra:   fs.Float64("hedge.max-extra", 0.05, "with -hedge: the most extra attempts backups may add, as a share of calls"),
		breakerOn:       fs.Bool("breaker", true, "guard each instance with a circuit breaker (opens at 50% failures of at least -breaker.min calls in 10s)"),
		breakerMin:      fs.Int("breaker.min", 20, "calls the breaker's window must hold before it may open"),
		breakerOpen:     fs.Duration("breaker.open", 5*time.Second, "how long an open breaker refuses calls before probing"),
		rateLimit:       fs.Float64("ratelimit", 0, "calls per second this client may make, beyond which calls fail at once (0: no limit)"),
		rateBurst:       fs.Int("ratelimit.burst", 1, "calls this client may make at once above -ratelimit"),
		tlsCA:           fs.String("tls.ca", "", "PEM CA certificates the server's certificate must chain to; any -tls.* flag turns TLS on (empty: the system's roots)"),
		tlsCert:         fs.String("tls.cert", "", "PEM client certificate for mutual TLS"),
		tlsKey:          fs.String("tls.key", "", "PEM private key of -tls.cert"),
		tlsServerName:   fs.String("tls.server-name", "", "name the server's certificate must have (empty: the host of the address called)"),
	}
}

// defaultAddrs are addsvc's default addresses, by transport.
var defaultAddrs = map[string]string{"http": "127.0.0.1:8081", "grpc": "127.0.0.1:8082", "thrift": "127.0.0.1:8083", "jsonrpc": "127.0.0.1:8084"}

// Discovery returns where the flags say the instances come from. Without
// a registry or -instances, the one instance is -addr, or addsvc's default
// address for the transport.
func (f *Flags) Discovery() Discovery {
	d := Discovery{
		ConsulService:  *f.consulService,
		ConsulAddr:     *f.consulAddr,
		DNSSRV:         *f.srvName,
		DNSSRVInterval: *f.srvInterval,
		DNSServer:      *f.srvServer,
		EtcdPrefix:     *f.etcdPrefix,
	}
	if *f.consulTags != "" {
		d.ConsulTags = strings.Split(*f.consulTags, ",")
	}
	if *f.etcdEndpoints != "" {
		d.EtcdEndpoints = strings.Split(*f.etcdEndpoints, ",")
	}
	list := *f.instances
	if list == "" {
		list = *f.addr
	}
	if list == "" {
		list = defaultAddrs[*f.transport]
	}
	d.Instances = strings.Split(list, ",")
	return d
}

// Settings returns the client stack the flags describe, or an error naming
// the flag whose value is wrong. Tracing is not among these flags (see
// package addtracing): set TracerProvider and Zipkin on the result.
func (f *Flags) Settings() (Settings, error) {
	if _, ok := defaultAddrs[*f.transport]; !ok {
		return Settings{}, fmt.Errorf("unknown transport %q", *f.transport)
	}
	thriftProtocol, err := kitthrift.ParseProtocol(*f.thriftProto)
	if err != nil {
		return Settings{}, fmt.Errorf("-thrift-protocol: %w", err)
	}
	if p := *f.hedgePercentile; *f.hedge && (p <= 0 || p >= 1) {
		return Settings{}, fmt.Errorf("-hedge.percentile %v: want a quantile in (0, 1)", p)
	}
	if *f.hedge && *f.hedgeMaxExtra <= 0 {
		return Settings{}, fmt.Errorf("-hedge.max-extra %v: want a share > 0", *f.hedgeMaxExtra)
	}
	tlsConfig, err := f.tlsConfig()
	if err != nil {
		return Settings{}, err
	}
	return Settings{
		Transport:           *f.transport,
		ThriftProtocol:      thriftProtocol,
		ThriftFramed:        *f.thriftFramed,
		Balancer:            *f.balancer,
		RetryMax:            max(1, *f.retryMax),
		RetryAttemptTimeout: *f.retryAttempt,
		RetryBudget:         *f.retryBudget,
		Hedge:               *f.hedge,
		HedgeDelay:          *f.hedgeDelay,
		HedgePercentile:     *f.hedgePercentile,
		HedgeMaxExtra:       *f.hedgeMaxExtra,
		NoBreaker:           !*f.breakerOn,
		BreakerMinRequests:  *f.breakerMin,
		BreakerOpenFor:      *f.breakerOpen,
		RateLimit:           *f.rateLimit,
		RateBurst:           *f.rateBurst,
		TLS:                 tlsConfig,
	}, nil
}

// tlsConfig returns the client TLS configuration of the -tls.* flags, or
// nil for plaintext: with any of them, the http, jsonrpc and grpc
// transports speak TLS, trusting the CAs of -tls.ca (the system's roots
// without it) and presenting -tls.cert and -tls.key to servers that ask
// for a client certificate (mutual TLS).
func (f *Flags) tlsConfig() (*tls.Config, error) {
	if *f.tlsCA == "" && *f.tlsCert == "" && *f.tlsKey == "" && *f.tlsServerName == "" {
		return nil, nil
	}
	if (*f.tlsCert == "") != (*f.tlsKey == "") {
		return nil, errors.New("-tls.cert and -tls.key go together")
	}
	var certs *mtls.Reloader
	if *f.tlsCert != "" {
		var err error
		if certs, err = mtls.NewReloader(*f.tlsCert, *f.tlsKey, mtls.ReloaderSettings{}); err != nil {
			return nil, err
		}
	}
	cfg, err := mtls.NewClientConfig(*f.tlsCA, certs)
	if err != nil {
		return nil, err
	}
	cfg.ServerName = *f.tlsServerName
	return cfg, nil
}
