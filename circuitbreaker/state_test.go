package circuitbreaker_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/log"
)

// TestStateLogsByName checks that a State is written by its name by kit's
// loggers, by slog's handlers and by encoding/json (slog's JSON handler
// used to write a number).
func TestStateLogsByName(t *testing.T) {
	var kitJSON, slogJSON, slogText bytes.Buffer
	_ = log.NewJSONLogger(&kitJSON).Log("state", circuitbreaker.HalfOpen)
	slog.New(slog.NewJSONHandler(&slogJSON, nil)).Info("breaker", "state", circuitbreaker.HalfOpen)
	slog.New(slog.NewTextHandler(&slogText, nil)).Info("breaker", "state", circuitbreaker.Open)
	for name, got := range map[string]string{"kit JSON": kitJSON.String(), "slog JSON": slogJSON.String()} {
		if !strings.Contains(got, `"state":"half-open"`) {
			t.Errorf("%s: %s; want \"state\":\"half-open\"", name, got)
		}
	}
	if !strings.Contains(slogText.String(), "state=open") {
		t.Errorf("slog text: %s; want state=open", slogText.String())
	}
	b, err := json.Marshal(map[string]circuitbreaker.State{"s": circuitbreaker.Closed})
	if err != nil || string(b) != `{"s":"closed"}` {
		t.Errorf("json.Marshal = %s, %v; want {\"s\":\"closed\"}", b, err)
	}
}
