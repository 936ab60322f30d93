// Package compat checks that code written against Go kit v0.13 compiles
// against kit once its imports are rewritten. It lives in a module of its
// own so that kit's go.mod never requires Go kit.
//
// Its tests are the check (scripts/check.sh runs them):
//
//   - TestAPI compares the exported API of every Go kit package that
//     MIGRATING.md maps with the kit package it maps to: every exported
//     Go kit identifier must exist in kit with a signature that Go kit code
//     can use unchanged (see translate_test.go for the rules), or be listed in
//     exceptions.txt with the reason it cannot.
//   - TestPortedExamples compiles and runs services written against Go kit
//     (testdata/), first as they are, then with their imports rewritten to
//     kit's.
package compat
