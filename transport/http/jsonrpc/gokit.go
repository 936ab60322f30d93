package jsonrpc

// Go kit's names for the specification's error codes, and for the content
// type of responses, so that Go kit code compiles unchanged.
const (
	InvalidRequestError = InvalidRequest
	MethodNotFoundError = MethodNotFound
	InvalidParamsError  = InvalidParams

	// ContentType is the Content-Type of the responses the Server writes.
	ContentType = "application/json; charset=utf-8"
)

// ErrorMessage returns the specification's message for one of its error
// codes ("Method not found"), or "" for any other code.
func ErrorMessage(code int) string {
	switch code {
	case ParseError:
		return "Parse error"
	case InvalidRequest:
		return "Invalid Request"
	case MethodNotFound:
		return "Method not found"
	case InvalidParams:
		return "Invalid params"
	case InternalError:
		return "Internal error"
	}
	return ""
}
