package main

import (
	"errors"
	"fmt"
)

// exitCode is the process exit status (README "Exit codes").
type exitCode int

const (
	exitOK          exitCode = 0
	exitFatal       exitCode = 1 // config, auth, unreadable input, ledger locked
	exitUsage       exitCode = 2
	exitPartial     exitCode = 3 // some rows upload_failed, or interrupted
	exitRejectRatio exitCode = 4 // too many rejected rows
)

// usageError is a mistake on the command line: exit 2 with a hint.
type usageError struct {
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// errHelp is returned when the user asked for --help: usage goes to
// stdout and the exit status is 0.
var errHelp = errors.New("help requested")
