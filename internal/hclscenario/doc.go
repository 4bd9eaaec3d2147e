// Package hclscenario is vaultcheck's HCL scenario language: files that
// declare who exists, who is connected to whom, what is shared and what to
// expect, checked as a whole before anything runs and compiled into Gherkin
// whose every step is rendered by the step table (steps.Render, by step ID
// with typed arguments), so that both front ends drive the same step
// library and produce the same reports. A value a step's phrase cannot
// carry (a double quote, a line break, white space around a table cell) is
// a diagnostic at the value; everything else reaches the step unchanged.
//
// The package compiles the files it is given (Options.Compile); finding
// and reading them, and parsing the Gherkin it writes, is the loader's
// (internal/suite).
//
// Loading runs in passes. Pass 1 declares every block, so a reference may
// point forward. Pass 2 evaluates values (var.<name> and a few functions
// only) and resolves references (user.alice, item.car, share.x, ...)
// statically, with "did you mean" hints. The checker then adds the
// dependencies that follow from meaning (a share waits for its connection,
// an on-share for its parent's acceptance), orders each scenario by a
// stable topological sort that keeps the written order where it can, and
// walks that order with a model of the Vault's state to reject scenarios
// that could not pass against a correct Vault (reading a deleted share, an
// on-share without permission, a check of a slot the share does not carry).
// Only a file without errors is compiled.
package hclscenario
