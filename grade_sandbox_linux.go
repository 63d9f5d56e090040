//go:build linux

// grade_sandbox_linux.go holds what -grade (grade.go) does on Linux to run a student's code
// more safely than as a plain child process; grade_sandbox_other.go is the rest of the world's.
//
//   - Limits, set by the harness itself before any of the student's code runs (harnessLimits,
//     grade_harness.go): RLIMIT_DATA bounds the memory the process may map for its data, the
//     heap included. RLIMIT_AS cannot: the Go runtime reserves some 700 MB of address space
//     before main (measured with prlimit --as on Go 1.26, amd64: below that the runtime fails
//     to start, "failed to reserve page summary memory"), so an address-space bound is no bound
//     on what a student uses. GOMEMLIMIT is a goal for the garbage collector, not a limit: a
//     program that keeps what it allocates grows past it. RLIMIT_CPU bounds the CPU seconds,
//     RLIMIT_FSIZE the size of a file it writes (64 MB), RLIMIT_CORE leaves no core file.
//     A process past its data limit ends with Go's "out of memory": the grader reads that as
//     "used more than N MB".
//   - Namespaces, where the kernel allows them to an unprivileged user: a new user namespace
//     (the student's code is uid 1000 there, the teacher's uid outside, with no capability),
//     a new network namespace (no network: only a loopback that is down), and a new PID
//     namespace (the harness is its process 1: when it ends or is killed, every process it
//     started ends too). Where the kernel refuses them (user namespaces disabled, or inside
//     some containers), the grader says so once and runs without them.
//   - The wall-clock limit is the grader's: past it the process group is killed (SIGKILL).
//
// None of this stops the code from reading or removing what the teacher's user may read or
// remove on the disk: docs/teaching.md says how to grade inside a container or a throwaway VM.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// sandboxLimits is the harness's limits file for a data limit of mb MB and cpu CPU seconds.
func sandboxLimits(mb, cpu int) (name, text string) {
	return harnessLimitsFile, fmt.Sprintf(harnessLimits, uint64(mb)<<20, cpu, 64<<20)
}

// sandboxAttr is how the harness is started: its own process group (killed whole), without
// network and in its own user and PID namespaces when namespaces is true.
func sandboxAttr(namespaces bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if namespaces {
		a.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWPID
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: 1000, HostID: os.Getuid(), Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: 1000, HostID: os.Getgid(), Size: 1}}
		a.GidMappingsEnableSetgroups = false
	}
	return a
}

// sandboxNamespaces says whether this system may have the namespaces; the first start tells.
const sandboxNamespaces = true

// killGroup kills the process group of a started harness.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Process.Kill()
	}
}
