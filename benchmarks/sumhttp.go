package benchmarks

import (
	"context"
	"encoding/json"
	"net/http"

	gokithttp "github.com/go-kit/kit/transport/http"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// The HTTP servers of the sum benchmark, shared by the in-process
// benchmarks and by cmd/sumserver, which wrk.sh loads from another process.

type sumReq struct {
	A int `json:"a"`
	B int `json:"b"`
}

type sumResp struct {
	V int `json:"v"`
}

func sumFunc(_ context.Context, req sumReq) (sumResp, error) { return sumResp{V: req.A + req.B}, nil }

// RawSumHandler is the sum RPC written with net/http and encoding/json only.
func RawSumHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req sumReq
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, _ := sumFunc(r.Context(), req)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(resp)
	})
}

// GokitSumHandler is the sum RPC served by Go kit's transport/http.
func GokitSumHandler() http.Handler {
	e := func(ctx context.Context, req any) (any, error) { return sumFunc(ctx, req.(sumReq)) }
	return gokithttp.NewServer(e, func(_ context.Context, r *http.Request) (any, error) {
		var req sumReq
		err := json.NewDecoder(r.Body).Decode(&req)
		return req, err
	}, gokithttp.EncodeJSONResponse)
}

// KitSumHandler is the sum RPC served by kit's transport/http.
func KitSumHandler() http.Handler {
	return kithttp.NewServer(endpoint.FromFunc(sumFunc),
		kithttp.DecodeJSONRequest[sumReq], kithttp.EncodeJSONResponse)
}
