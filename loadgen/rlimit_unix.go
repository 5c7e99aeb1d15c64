//go:build unix

package loadgen

import "syscall"

// raiseFileLimit lifts the soft limit on open files to the hard limit, so
// that a thousand websockets fit; a server this process starts inherits it.
// It returns the soft limit in force afterwards.
func raiseFileLimit() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, err
		}
	}
	return uint64(rl.Cur), nil
}
