package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// item is the JSON body of GET and PUT /items/{sku}.
type item struct {
	SKU   string `json:"sku"`
	Count int64  `json:"count"`
}

// getItem serves GET /items/{sku}: 200 with the item, 404 for an unknown
// SKU, 503 while the store is down.
func getItem(s *store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sku := r.PathValue("sku")
		n, err := s.get(r.Context(), sku)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, item{SKU: sku, Count: n})
	}
}

// putItem serves PUT /items/{sku} with a body {"count": n}: 200 with the
// item, 400 for a malformed body or a negative count, 503 while the store
// is down.
func putItem(s *store, updates prometheus.Counter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Count *int64 `json:"count"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil || body.Count == nil || *body.Count < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want a body {"count": n} with n >= 0`})
			return
		}
		sku := r.PathValue("sku")
		if err := s.set(r.Context(), sku, *body.Count); err != nil {
			writeError(w, err)
			return
		}
		updates.Inc()
		writeJSON(w, http.StatusOK, item{SKU: sku, Count: *body.Count})
	}
}

// configureStore serves PUT /debug/store with a body {"down": bool,
// "latency": "250ms"}: the switch a demo or a test flips to make the store
// fail or slow down.
func configureStore(s *store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Down    bool   `json:"down"`
			Latency string `json:"latency"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		var latency time.Duration
		if body.Latency != "" {
			d, err := time.ParseDuration(body.Latency)
			if err != nil || d < 0 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "latency: want a duration >= 0 such as 250ms"})
				return
			}
			latency = d
		}
		s.configure(body.Down, latency)
		w.WriteHeader(http.StatusNoContent)
	}
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, errNotFound):
		status = http.StatusNotFound
	case errors.Is(err, errStoreDown):
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
