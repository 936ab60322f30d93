// Command sumserver serves the HTTP sum RPC of each contestant on its own
// loopback port, for load generators in another process (see wrk.sh):
// raw on -base, Go kit on -base+1, kit on -base+2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/endpointkit/kit/benchmarks"
)

func main() {
	base := flag.Int("base", 18080, "port of the first server")
	flag.Parse()
	errc := make(chan error, 3)
	for i, h := range []http.Handler{benchmarks.RawSumHandler(), benchmarks.GokitSumHandler(), benchmarks.KitSumHandler()} {
		srv := &http.Server{Addr: fmt.Sprintf("127.0.0.1:%d", *base+i), Handler: h}
		go func() { errc <- srv.ListenAndServe() }()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-sig:
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "sumserver:", err)
			os.Exit(1)
		}
	}
}
