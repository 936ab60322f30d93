package jsonrpc_test

import (
	"testing"

	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

func TestErrorMessage(t *testing.T) {
	for code, want := range map[int]string{
		jsonrpc.ParseError:          "Parse error",
		jsonrpc.InvalidRequestError: "Invalid Request",
		jsonrpc.MethodNotFoundError: "Method not found",
		jsonrpc.InvalidParamsError:  "Invalid params",
		jsonrpc.InternalError:       "Internal error",
		-32000:                      "",
	} {
		if got := jsonrpc.ErrorMessage(code); got != want {
			t.Errorf("ErrorMessage(%d) = %q, want %q", code, got, want)
		}
	}
}
