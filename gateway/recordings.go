package gateway

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// AuditRecordingPlay is the audit action of each play of a voicemail.
const AuditRecordingPlay = "recording.play"

// PathRecording is the voicemail proxy: GET /api/recordings/{conversation} streams the audio
// from Twilio with the account's credentials, so the provider's URL never reaches a browser.
const PathRecording = "/api/recordings/"

// apiRecording plays a voicemail to the advocate holding it, or to a supervisor or admin (the
// voice channel checks, on the server), and writes an audit entry for each play. A refusal
// writes none and streams nothing.
func (s *Server) apiRecording(c echo.Context) error {
	ctx, sess := c.Request().Context(), sessionOf(c)
	if s.voice == nil {
		return echo.NewHTTPError(http.StatusNotFound, "voice is not configured on this hotline")
	}
	convID := c.Param("conversation")
	body, ct, size, err := s.voice.Recording(ctx, sess.Advocate, sess.Role, convID)
	if err != nil {
		return s.engineRefusal(c, err, map[string]string{routing.ENotFound: "recording_not_found", routing.EForbidden: "recording_forbidden"})
	}
	defer body.Close()
	if err := s.cases.Audit(ctx, cases.AuditEntry{Who: sess.Advocate, Role: sess.Role, Action: AuditRecordingPlay, Target: convID}); err != nil {
		return err // no record of the play, no play
	}
	h := c.Response().Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	if size > 0 {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), body); err != nil {
		s.log.Warn("recording: stream cut short", "conversation", convID, "err", err.Error())
	}
	return nil
}
