//go:build !linux

// grade_sandbox_other.go: -grade (grade.go) on systems other than Linux runs a student's code
// as a plain child process, with the wall-clock limit alone (the process is killed past it):
// no memory limit, no namespaces, the network open. grade_sandbox_linux.go holds the Linux
// limits; docs/teaching.md says how to grade inside a container or a throwaway VM instead.

package main

import (
	"os/exec"
	"syscall"
)

// sandboxLimits: no limits file, and so no memory limit.
func sandboxLimits(mb, cpu int) (name, text string) { return "", "" }

// sandboxAttr: a plain child process.
func sandboxAttr(namespaces bool) *syscall.SysProcAttr { return nil }

// sandboxNamespaces: none here.
const sandboxNamespaces = false

// killGroup kills the harness.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
