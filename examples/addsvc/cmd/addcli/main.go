// Command addcli calls the Add service over the transport named by -transport
// (http, jsonrpc or grpc):
//
//	addcli -transport grpc -method sum 1 2        # prints 3
//	addcli -transport http -method concat ab cd   # prints abcd
//
// It exits 0 on success, 2 on a business error (integer overflow, maximum
// length) and 1 when the call itself fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
)

func main() {
	os.Exit(call(os.Args[1:], os.Stdout, os.Stderr))
}

// errBusiness marks a business error, for the exit status.
type errBusiness struct{ error }

// call is the whole program; it returns the exit status.
func call(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("addcli", flag.ContinueOnError)
	var (
		transport = fs.String("transport", "http", "transport to use: http, jsonrpc or grpc")
		addr      = fs.String("addr", "", "address of the server (default: the addsvc default for the transport)")
		method    = fs.String("method", "sum", "method to call: sum or concat")
		timeout   = fs.Duration("timeout", 5*time.Second, "deadline of the call")
	)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: addcli [flags] a b")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 1
	}
	defaults := map[string]string{"http": "127.0.0.1:8081", "grpc": "127.0.0.1:8082", "jsonrpc": "127.0.0.1:8084"}
	if *addr == "" {
		*addr = defaults[*transport]
	}

	var svc addservice.Service
	switch *transport {
	case "http", "jsonrpc":
		newClient := addtransport.NewHTTPClient
		if *transport == "jsonrpc" {
			newClient = addtransport.NewJSONRPCClient
		}
		set, err := newClient(*addr, nil)
		if err != nil {
			fmt.Fprintln(stderr, "addcli:", err)
			return 1
		}
		svc = set
	case "grpc":
		conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			fmt.Fprintln(stderr, "addcli:", err)
			return 1
		}
		defer conn.Close()
		svc = addtransport.NewGRPCClient(conn)
	default:
		fmt.Fprintf(stderr, "addcli: unknown transport %q\n", *transport)
		return 1
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	out, err := callMethod(ctx, svc, *method, fs.Arg(0), fs.Arg(1))
	var be errBusiness
	switch {
	case errors.As(err, &be):
		fmt.Fprintln(stderr, "addcli:", be.error)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "addcli:", err)
		return 1
	}
	fmt.Fprintln(stdout, out)
	return 0
}

// callMethod calls method; business errors come back as errBusiness.
func callMethod(ctx context.Context, svc addservice.Service, method, a, b string) (string, error) {
	var out string
	var err error
	switch method {
	case "sum":
		x, perr := strconv.Atoi(a)
		y, perr2 := strconv.Atoi(b)
		if err := errors.Join(perr, perr2); err != nil {
			return "", err
		}
		var v int
		v, err = svc.Sum(ctx, x, y)
		out = strconv.Itoa(v)
	case "concat":
		out, err = svc.Concat(ctx, a, b)
	default:
		return "", fmt.Errorf("unknown method %q", method)
	}
	if errors.Is(err, addservice.ErrIntOverflow) || errors.Is(err, addservice.ErrMaxSizeExceeded) {
		return "", errBusiness{err}
	}
	return out, err
}

// The Set built by each transport is a Service.
var _ addservice.Service = addendpoint.Set{}
