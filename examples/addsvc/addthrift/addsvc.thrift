// The Add service over Thrift: the same two methods as pb/addsvc.proto.
// Business errors travel in the replies' err fields, as they do over gRPC;
// a call refused by a rate or concurrency limit raises Limited.

namespace go addthrift
namespace py addsvc

// SumReply carries the sum, or a business error in err (then v is 0).
struct SumReply {
  1: i64 v
  2: string err
}

// ConcatReply carries the concatenation, or a business error in err.
struct ConcatReply {
  1: string v
  2: string err
}

// Limited is raised when a limiter refused the call: try again later.
exception Limited {
  1: string message
}

// The Add service sums integers and concatenates strings.
service Add {
  // Sum adds two integers.
  SumReply Sum(1: i64 a, 2: i64 b) throws (1: Limited limited)
  // Concat concatenates two strings.
  ConcatReply Concat(1: string a, 2: string b) throws (1: Limited limited)
}
