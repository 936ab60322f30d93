// A service for transport/thrift's tests.

namespace go thrifttest
namespace py thrifttest

// Refused is a declared exception: it must reach clients as it is.
exception Refused {
  1: string reason
}

service Test {
  // Echo returns s.
  string Echo(1: string s) throws (1: Refused refused)
  // Sleep waits ms milliseconds (or until the call's context ends) and
  // returns ms.
  i64 Sleep(1: i64 ms)
  // Ping is one-way.
  oneway void Ping(1: string s)
}
