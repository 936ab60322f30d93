// Package lv keeps the children of a labelled instrument: one value per
// distinct list of label name/value pairs, found again without allocating.
//
// Backends call [Family.Get] from their With methods. A hit costs a hash of
// the label values, one atomic load and a probe of an open-addressing
// table; only the first sight of a label list takes a lock, copies the
// strings and builds the child. A child's labels followed by With's
// arguments are joined on the stack up to 16 strings; a longer list costs
// one allocation per call.
//
// Readers never block: the index is an immutable snapshot replaced on each
// insertion (copy on write). That makes an insertion cost proportional to the
// number of label lists already seen, which is fine for the bounded label
// sets metrics should have, and a poor fit for unbounded ones (user IDs as
// label values), which every metrics backend punishes anyway.
package lv
