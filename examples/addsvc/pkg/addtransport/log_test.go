package addtransport_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/log"
)

// TestBadRequestLogLines checks what the example service logs for a
// caller's malformed request: one line at level warn (not error: the
// service did nothing wrong) naming the transport, the route, the status
// and the peer.
func TestBadRequestLogLines(t *testing.T) {
	lines := make(chan string, 8)
	logger := log.LoggerFunc(func(keyvals ...any) error {
		var b bytes.Buffer
		err := log.NewLogfmtLogger(&b).Log(keyvals...)
		lines <- b.String()
		return err
	})
	set := addendpoint.New(addservice.New(), log.NewNopLogger())
	httpSrv := httptest.NewServer(addtransport.NewHTTPHandler(set, logger))
	defer httpSrv.Close()
	rpcSrv := httptest.NewServer(addtransport.NewJSONRPCHandler(set, logger))
	defer rpcSrv.Close()

	for _, tc := range []struct {
		url, body string
		want      []string
	}{
		{httpSrv.URL + "/sum", `{"a":`, []string{"level=warn", "transport=http", `route="POST /sum"`, "status=400", "peer=127.0.0.1:", "outcome=caller_error"}},
		{rpcSrv.URL, `{"jsonrpc":"2.0","method":"sum","params":{"a":"x"},"id":1}`, []string{"level=warn", "transport=jsonrpc", "route=sum", "status=400", "peer=127.0.0.1:", "outcome=caller_error"}},
	} {
		resp, err := http.Post(tc.url, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		select {
		case line := <-lines:
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("%s: line %q lacks %q", tc.body, line, w)
				}
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: nothing logged", tc.body)
		}
	}
	if len(lines) != 0 {
		t.Errorf("more lines than requests: %q", <-lines)
	}
}
