package execute

import (
	"time"

	"golang.org/x/sys/unix"
)

// watch reads the command's two output streams and waits for its exit in
// one poll(2) loop on the run's own goroutine: no reader goroutines and
// nothing in the runtime's poller, so a short run costs the runner a few
// syscalls and no switch between threads (hyperfine's loop has the same
// shape). At the exit it calls exited; then it reads on until both pipes
// reach EOF, or until drainTimeout has passed (a process that escaped the
// run still holds a pipe). Bytes leave the pipes only under s.mu, here or
// in settle, so whoever holds it sees everything the command has written.
func (s *session) watch(w *exitWait, exited func()) {
	var (
		fds      = make([]unix.PollFd, 0, 3)
		of       = make([]*stream, 0, 3) // the stream of each fds entry; nil: the exit
		done     bool
		deadline time.Time
	)
	for {
		fds, of = fds[:0], of[:0]
		if !done {
			fds, of = append(fds, unix.PollFd{Fd: int32(w.fd()), Events: unix.POLLIN}), append(of, nil)
		}
		s.mu.Lock() // settle may have read to the end
		for _, st := range s.streams {
			if st.eof {
				s.endStream(st)
			} else {
				fds, of = append(fds, unix.PollFd{Fd: int32(st.fd), Events: unix.POLLIN}), append(of, st)
			}
		}
		s.mu.Unlock()
		timeout := -1
		if done {
			left := time.Until(deadline)
			if len(fds) == 0 || left <= 0 {
				break
			}
			timeout = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		_, err := unix.Poll(fds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil { // never seen: look at every descriptor, after a pause
			time.Sleep(10 * time.Millisecond)
			for i := range fds {
				fds[i].Revents = unix.POLLIN
			}
		}
		for i, fd := range fds {
			if fd.Revents == 0 {
				continue
			}
			if st := of[i]; st != nil {
				s.mu.Lock()
				s.drain(st, readBufSize) // one read: the exit and the other pipe get their turn
				s.mu.Unlock()
			} else if w.reap() {
				done = true
				exited()
				deadline = time.Now().Add(drainTimeout)
			}
		}
	}
	s.mu.Lock()
	for _, st := range s.streams {
		s.endStream(st)
	}
	s.mu.Unlock()
}
