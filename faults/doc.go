// Package faults holds the fault tests of a multi-process hotline: they build `hotline`, start
// several `hotline serve` processes on loopback against one Redis, then kill a process or restart
// Redis mid-traffic and check that nothing accepted is lost or delivered twice, and that consoles
// and visitors carry on with the survivors. It has no code besides its tests.
package faults
