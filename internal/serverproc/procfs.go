package serverproc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Memory is a process's memory as Linux keeps it in /proc/PID/status,
// in bytes.
type Memory struct {
	RSS  int64 // VmRSS: resident now
	Peak int64 // VmHWM: the peak RSS
	// Anon (RssAnon) is the private memory: Go heap, stacks, SQLite's
	// caches. File (RssFile) is the pages of the executable and other
	// files, which grow as code runs for the first time and are shared
	// with other processes of the same binary.
	Anon, File int64
}

// ReadMemory reads /proc/PID/status (Linux only).
func ReadMemory(pid int) (Memory, error) {
	name := fmt.Sprintf("/proc/%d/status", pid)
	data, err := os.ReadFile(name)
	if err != nil {
		return Memory{}, fmt.Errorf("serverproc: %w", err)
	}
	var m Memory
	fields := map[string]*int64{"VmRSS": &m.RSS, "VmHWM": &m.Peak, "RssAnon": &m.Anon, "RssFile": &m.File}
	for line := range strings.Lines(string(data)) {
		key, val, _ := strings.Cut(line, ":")
		dst := fields[key]
		if dst == nil {
			continue
		}
		f := strings.Fields(val) // "12345 kB"
		if len(f) == 2 && f[1] == "kB" {
			if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				*dst = kb << 10
			}
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("serverproc: %s: no VmRSS", name)
	}
	return m, nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times; it is
// 100 on every architecture Go supports.
const clockTicks = 100

// ReadCPU is the CPU time (user + system) a process has used, from
// /proc/PID/stat (Linux only); pid 0 means this process.
func ReadCPU(pid int) (time.Duration, error) {
	name := "/proc/self/stat"
	if pid > 0 {
		name = fmt.Sprintf("/proc/%d/stat", pid)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("serverproc: %w", err)
	}
	// The command name, field 2, may hold spaces: count from after it.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, fmt.Errorf("serverproc: %s: unexpected format", name)
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("serverproc: %s: unexpected format", name)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("serverproc: %s: unexpected format", name)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}
