// Package archtest holds tests that keep the architecture of DESIGN.md true: the import rules
// between layers, and a package comment on every package.
package archtest
