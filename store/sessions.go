package store

// sessionUser is the user_id column of a session of userID: NULL for a
// session of no user (0), as for the rows written before sessions knew
// their user.
func sessionUser(userID int64) any {
	if userID == 0 {
		return nil
	}
	return userID
}
