package socketio

import "sync"

// socketCounter counts each user's open sockets on this instance.
type socketCounter struct {
	mu     sync.Mutex
	byUser map[int64]int
}

// count is the user's open sockets.
func (c *socketCounter) count(userID int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byUser[userID]
}

// add changes the user's count by delta and returns the new count.
func (c *socketCounter) add(userID int64, delta int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byUser == nil {
		c.byUser = map[int64]int{}
	}
	n := c.byUser[userID] + delta
	if n <= 0 {
		delete(c.byUser, userID)
		return 0
	}
	c.byUser[userID] = n
	return n
}
