package loadgen

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Memory is a process's memory as /proc/PID/status reports it.
type Memory struct {
	RSS  int64 // VmRSS, bytes
	Peak int64 // VmHWM, the peak RSS, bytes
}

// ProcMemory reads /proc/PID/status (Linux only).
func ProcMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("loadgen: %w", err)
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.Peak
		default:
			continue
		}
		fields := strings.Fields(val) // "12345 kB"
		if len(fields) == 2 && fields[1] == "kB" {
			if kb, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
				*dst = kb * 1024
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("loadgen: read /proc/%d/status: %w", pid, err)
	}
	return m, nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times; it is
// 100 on every architecture Go supports.
const clockTicks = 100

// ProcCPU is the CPU time (user + system) a process has used, from
// /proc/PID/stat (Linux only); pid 0 means this process.
func ProcCPU(pid int) (time.Duration, error) {
	name := "/proc/self/stat"
	if pid > 0 {
		name = fmt.Sprintf("/proc/%d/stat", pid)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("loadgen: %w", err)
	}
	// The command name, field 2, may hold spaces: count from after it.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, fmt.Errorf("loadgen: %s: unexpected format", name)
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("loadgen: %s: unexpected format", name)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("loadgen: %s: unexpected format", name)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}
