package render

import "fmt"

// Redraw returns what moves the cursor back over the previous frame of a
// live view (prevLines lines) and clears it, so the next frame is drawn in
// place without clearing the user's scrollback.
func Redraw(prevLines int) string {
	if prevLines <= 0 {
		return ""
	}
	return fmt.Sprintf("\r\x1b[%dA\x1b[J", prevLines)
}
