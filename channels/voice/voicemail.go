package voice

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/twiml"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// A caller who has waited long enough, or whom nobody speaking their language can answer, is
// offered a choice: keep waiting, leave a voicemail, or ask to be called back. A voicemail or a
// callback request leaves the live queue at once (the caller's conversation is abandoned with
// reason "voicemail" or "callback", so no advocate is rung for a caller who is not there) and,
// once recorded or confirmed, becomes a conversation of its own, queued and offered like any
// other and tagged so the console shows what it is.

// Paths of the choice, the recording and the callback number.
const (
	PathChoice   = "/twilio/voice/choice"   // keep waiting, voicemail or callback
	PathRecorded = "/twilio/voice/recorded" // the <Record> action: the recording is ready
	PathCallback = "/twilio/voice/callback" // the callback number, read back and confirmed
)

// Tags of the conversations a waiting caller leaves behind.
const (
	TagVoicemail = "voicemail"
	TagCallback  = "callback"
)

// Meta keys of voicemail and callback conversations. None holds personal data: the callback
// number is kept sealed in the channel's Space, never in meta.
const (
	MetaKind              = "kind"               // "voicemail" or "callback"
	MetaRecording         = "recording_sid"      // the voicemail's Recording SID at Twilio
	MetaRecordingDuration = "recording_duration" // seconds
	MetaRecordingDeleted  = "recording_deleted"  // "true" once deleted at Twilio
	MetaFrom              = "from_conversation"  // the call the caller waited on
	MetaChoiceAt          = "choice_offered_at"  // on the waiting call: when the choice was last offered
)

// timerPurge deletes a voicemail's recording (and a callback's number) when the conversation's
// content expires; arg "conversation|recordingSid".
const timerPurge = "voice_purge"

// Recordings is the part of Twilio's API for recordings the channel uses;
// *twilio.Recordings satisfies it.
type Recordings interface {
	Media(ctx context.Context, sid string) (io.ReadCloser, string, int64, error)
	Delete(ctx context.Context, sid string) error
}

var _ Recordings = (*twilio.Recordings)(nil)

// choiceDue reports whether the waiting call conv should be offered the choice now: the feature
// is on, the caller is still waiting, and either they have waited VoicemailAfter since they came
// (or since they last chose to keep waiting), or, before any offer, nobody who speaks their
// language is signed in.
func (c *Channel) choiceDue(ctx context.Context, conv routing.Conversation) bool {
	if c.cfg.VoicemailAfter <= 0 || (conv.State != routing.Queued && conv.State != routing.Offered) {
		return false
	}
	since := conv.CreatedAt
	last, err := time.Parse(time.RFC3339Nano, conv.Meta[MetaChoiceAt])
	if err == nil {
		since = last
	}
	if c.eng.Config().Now().Sub(since) >= c.cfg.VoicemailAfter {
		return true
	}
	return err != nil && !c.anyoneSpeaks(ctx, conv.Language)
}

// anyoneSpeaks reports whether an advocate who takes calls in lang is signed in (their console's
// lease is alive and they are not offline). When the roster cannot be read it says yes: the
// caller keeps waiting as before.
func (c *Channel) anyoneSpeaks(ctx context.Context, lang string) bool {
	advs, err := c.eng.Roster().Advocates(ctx)
	if err != nil {
		c.log.Warn("voice: roster unreadable; no choice offered", "err", err)
		return true
	}
	for _, a := range advs {
		if a.Disabled || !a.Speaks(lang) || (len(a.Channels) > 0 && !hasVoice(a.Channels)) {
			continue
		}
		p, err := c.eng.Roster().Presence(ctx, a.ID)
		if err != nil || (p.Alive && p.Status != routing.Offline) {
			return true
		}
	}
	return false
}

func hasVoice(chs []routing.Channel) bool {
	for _, ch := range chs {
		if ch == routing.Voice {
			return true
		}
	}
	return false
}

// markChoice records that the choice is being offered now.
func (c *Channel) markChoice(ctx context.Context, convID string) {
	now := c.eng.Config().Now().UTC().Format(time.RFC3339Nano)
	if err := c.eng.SetMeta(ctx, convID, map[string]string{MetaChoiceAt: now}); err != nil {
		c.log.Warn("voice: choice time not recorded", "conversation", convID, "err", err)
	}
}

// offerChoice takes a caller waiting in the conference out of it to the choice: Twilio plays a
// conference's wait URL with Say, Play, Pause and Redirect only, so only a REST redirect of the
// call can ask a question. A failure leaves the caller waiting.
func (c *Channel) offerChoice(ctx context.Context, conv routing.Conversation, l lang) {
	sid := conv.Meta[MetaCallSid]
	if sid == "" {
		return
	}
	c.markChoice(ctx, conv.ID)
	p := &openapi.UpdateCallParams{}
	p.SetUrl(c.url(PathChoice, url.Values{"c": {conv.ID}, "l": {string(l)}}))
	p.SetMethod(http.MethodPost)
	if _, err := c.cfg.Calls.UpdateCall(sid, p); err != nil {
		c.log.Warn("voice: choice not offered", "conversation", conv.ID, "err", twilio.Classify("offer choice", err))
	}
}

// choiceTwiML asks: 1 keep waiting, 2 voicemail (when recordings are configured), 3 callback.
// No key means keep waiting.
func (c *Channel) choiceTwiML(convID string, l lang) []twiml.Element {
	q := url.Values{"c": {convID}, "l": {string(l)}}
	says := []twiml.Element{c.say(l, c.text(l, "voice_choice_intro")), c.say(l, c.text(l, "voice_choice_wait"))}
	if c.cfg.Recordings != nil {
		says = append(says, c.say(l, c.text(l, "voice_choice_voicemail")))
	}
	says = append(says, c.say(l, c.text(l, "voice_choice_callback")))
	stay := url.Values{"c": {convID}, "l": {string(l)}, "d": {"1"}}
	return []twiml.Element{
		&twiml.VoiceGather{Input: "dtmf", NumDigits: "1", Timeout: strconv.Itoa(menuTimeout), Action: c.url(PathChoice, q),
			Method: http.MethodPost, InnerElements: says},
		&twiml.VoiceRedirect{Url: c.url(PathChoice, stay), Method: http.MethodPost},
	}
}

func (c *Channel) text(l lang, id string) string { return c.cfg.Texts.Text(string(l), id, nil) }

// choice takes the caller's answer. A caller whose call an advocate took meanwhile goes back
// into the conference to be connected; one whose call is over hears goodbye.
func (c *Channel) choice(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	ctx := r.Context()
	if wh.Conversation == "" {
		c.writeTwiML(w, c.menuTwiML(1, false)...)
		return
	}
	pick := wh.Choice
	if pick == "" && wh.HasDigits {
		pick = wh.Digits
	}
	if pick == "" {
		c.writeTwiML(w, c.choiceTwiML(wh.Conversation, wh.Lang)...)
		return
	}
	conv, err := c.eng.Conversation(ctx, wh.Conversation)
	if err != nil {
		c.log.Error("voice: choice for unreadable conversation", "conversation", wh.Conversation, "err", err)
		c.writeTwiML(w, c.troubleTwiML(c.url(PathChoice, url.Values{"c": {wh.Conversation}, "l": {string(wh.Lang)}, "d": {pick}, "r": {strconv.Itoa(wh.Retry + 1)}}), wh.Lang, wh.Retry)...)
		return
	}
	relay := conv.Has(routing.TagRelay)
	switch {
	case conv.State == routing.Active:
		c.writeTwiML(w, c.queueTwiML(conv.ID, wh.Lang, relay)...)
	case conv.State != routing.Queued && conv.State != routing.Offered:
		c.writeTwiML(w, c.goodbyeTwiML(wh.Lang)...)
	case pick == "2" && c.cfg.Recordings != nil:
		if !c.leaveQueue(ctx, conv, TagVoicemail) {
			c.writeTwiML(w, c.queueTwiML(conv.ID, wh.Lang, relay)...)
			return
		}
		c.writeTwiML(w, c.recordTwiML(conv.ID, wh.Lang)...)
	case pick == "3":
		if !c.leaveQueue(ctx, conv, TagCallback) {
			c.writeTwiML(w, c.queueTwiML(conv.ID, wh.Lang, relay)...)
			return
		}
		c.writeTwiML(w, c.askNumber(ctx, conv, wh.Lang, 1)...)
	default: // 1, no key, anything else: keep waiting, asked again after another VoicemailAfter
		c.markChoice(ctx, conv.ID)
		c.writeTwiML(w, c.queueTwiML(conv.ID, wh.Lang, relay)...)
	}
}

// leaveQueue takes the waiting call out of the queue for a voicemail or callback. false when an
// advocate took it meanwhile (or it could not be recorded): the caller goes back to wait.
func (c *Channel) leaveQueue(ctx context.Context, conv routing.Conversation, why string) bool {
	if err := c.eng.Abandon(ctx, conv.ID, why); err != nil {
		c.log.Warn("voice: call not taken out of the queue", "conversation", conv.ID, "for", why, "err", err)
		return false
	}
	return true
}

// maxRecord is how long a voicemail may be, by default.
const maxRecord = 3 * time.Minute

// recordTwiML asks for the message and records it; # or hanging up ends it.
func (c *Channel) recordTwiML(convID string, l lang) []twiml.Element {
	q := url.Values{"c": {convID}, "l": {string(l)}}
	return []twiml.Element{
		c.say(l, c.text(l, "voice_voicemail_prompt")),
		&twiml.VoiceRecord{Action: c.url(PathRecorded, q), Method: http.MethodPost, MaxLength: strconv.Itoa(int(c.cfg.RecordMax / time.Second)),
			FinishOnKey: "#", PlayBeep: "true", Timeout: "10"},
		// Silence: no recording was made. Twilio moves on to the next verb.
		c.say(l, c.text(l, "voice_voicemail_empty")),
		&twiml.VoiceHangup{},
	}
}

// recorded takes the finished recording and queues it as a voicemail conversation.
func (c *Channel) recorded(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	ctx := r.Context()
	if wh.Conversation == "" || wh.RecordingSid == "" || wh.RecordingDuration < 1 {
		c.writeTwiML(w, c.say(wh.Lang, c.text(wh.Lang, "voice_voicemail_empty")), &twiml.VoiceHangup{})
		return
	}
	id, err := c.openLeftBehind(ctx, wh.Conversation, TagVoicemail, "rec:"+wh.RecordingSid, map[string]string{
		MetaRecording: wh.RecordingSid, MetaRecordingDuration: strconv.Itoa(wh.RecordingDuration),
	})
	if err != nil {
		c.log.Error("voice: voicemail not queued", "conversation", wh.Conversation, "err", err)
		retry := c.url(PathRecorded, url.Values{"c": {wh.Conversation}, "l": {string(wh.Lang)}, "r": {strconv.Itoa(wh.Retry + 1)},
			"rs": {wh.RecordingSid}, "rd": {strconv.Itoa(wh.RecordingDuration)}})
		c.writeTwiML(w, c.troubleTwiML(retry, wh.Lang, wh.Retry)...)
		return
	}
	c.schedulePurge(ctx, id, wh.RecordingSid)
	c.log.Info("voice: voicemail queued", "conversation", id, "from", wh.Conversation, "seconds", wh.RecordingDuration)
	c.writeTwiML(w, c.say(wh.Lang, c.text(wh.Lang, "voice_voicemail_thanks")), c.say(wh.Lang, c.text(wh.Lang, "voice_danger")), &twiml.VoiceHangup{})
}

// openLeftBehind queues what a caller left (a voicemail, a callback request) as a new voice
// conversation with the call's contact, language and tags. externalID makes a repeated webhook
// find the same conversation.
func (c *Channel) openLeftBehind(ctx context.Context, fromID, kind, externalID string, meta map[string]string) (string, error) {
	from, err := c.eng.Conversation(ctx, fromID)
	if err != nil {
		return "", err
	}
	tags := []string{kind}
	for _, t := range from.Tags {
		if t == routing.TagRelay || t == routing.TagInterpreter || t == routing.TagUrgent || t == routing.TagMinor || t == routing.TagDanger {
			tags = append(tags, t)
		}
	}
	m := map[string]string{MetaKind: kind, MetaFrom: from.ID}
	for k, v := range meta {
		m[k] = v
	}
	res, err := c.eng.Inbound(ctx, routing.Inbound{
		Channel: routing.Voice, Contact: from.Contact, NewConversation: true, Language: from.Language,
		NoMessage: true, Tags: tags, ExternalID: externalID, Meta: m,
	})
	if err != nil {
		return "", err
	}
	if res.Duplicate {
		// Already queued by an earlier try of the same webhook: find it by its thread.
		return res.Conversation.ID, nil
	}
	if from.Priority > 0 {
		if err := c.eng.Tag(ctx, res.Conversation.ID, from.Priority); err != nil {
			c.log.Warn("voice: priority not carried over", "conversation", res.Conversation.ID, "err", err)
		}
	}
	return res.Conversation.ID, nil
}

// schedulePurge sets the timer that deletes what the conversation keeps outside routing (the
// recording at Twilio, the sealed callback number) when its content expires.
func (c *Channel) schedulePurge(ctx context.Context, convID, recordingSid string) {
	at := c.eng.Config().Now().Add(c.eng.Config().Retention)
	if err := c.eng.Timers().Schedule(ctx, timerPurge, convID+"|"+recordingSid, at); err != nil {
		c.log.Error("voice: purge not scheduled", "conversation", convID, "err", err)
	}
}

// purge runs when a voicemail's or callback's content may have expired: retention after its
// close. Still open, or closed too recently, it looks again later; otherwise the recording is
// deleted at Twilio and the callback number here. A failed delete is retried by the timers.
func (c *Channel) purge(ctx context.Context, arg string) error {
	convID, recSid, _ := strings.Cut(arg, "|")
	keep := c.eng.Config().Retention
	conv, err := c.eng.Conversation(ctx, convID)
	switch {
	case routing.ErrorCode(err) == routing.ENotFound:
	case err != nil:
		return err
	case conv.State == routing.Closed || conv.State == routing.Abandoned:
		if due := conv.EndedAt.Add(keep); due.After(c.eng.Config().Now()) {
			return c.eng.Timers().Schedule(ctx, timerPurge, arg, due)
		}
	default:
		return c.eng.Timers().Schedule(ctx, timerPurge, arg, c.eng.Config().Now().Add(keep))
	}
	if recSid != "" && c.cfg.Recordings != nil {
		if err := c.cfg.Recordings.Delete(ctx, recSid); err != nil {
			c.log.Warn("voice: recording not deleted; will retry", "conversation", convID, "err", err)
			return err
		}
		if conv.ID != "" { // still there (content purged, conversation kept): the console shows it gone
			_ = c.eng.SetMeta(ctx, convID, map[string]string{MetaRecordingDeleted: "true"})
		}
	}
	if err := c.cfg.Space.Redis().Del(ctx, c.numberKey(convID)).Err(); err != nil {
		return err
	}
	c.log.Info("voice: voicemail or callback content deleted", "conversation", convID)
	c.publish(ctx, routing.Event{Type: EvRecordingDeleted, Conversation: convID})
	return nil
}

// EvRecordingDeleted tells the consoles a voicemail's audio is gone (retention).
const EvRecordingDeleted = "voice.recording_deleted"

// Recording opens the voicemail of convID for who, an advocate holding it or a supervisor or
// admin (role), streaming the audio from Twilio; the provider's URL never leaves this process.
// Errors: ENotFound when the conversation has no recording (or it was deleted); EForbidden
// unless who may hear it; EInternal when Twilio refuses.
func (c *Channel) Recording(ctx context.Context, who string, role routing.Role, convID string) (io.ReadCloser, string, int64, error) {
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		return nil, "", 0, err
	}
	sid := conv.Meta[MetaRecording]
	if conv.Channel != routing.Voice || sid == "" || conv.Meta[MetaRecordingDeleted] == "true" || c.cfg.Recordings == nil {
		return nil, "", 0, routing.Errorf(routing.ENotFound, "this conversation has no voicemail")
	}
	if role != routing.RoleSupervisor && role != routing.RoleAdmin && (conv.Advocate == "" || conv.Advocate != who) {
		return nil, "", 0, routing.Errorf(routing.EForbidden, "only the advocate holding this voicemail, or a supervisor, may play it")
	}
	body, ct, n, err := c.cfg.Recordings.Media(ctx, sid)
	if err != nil {
		c.log.Error("voice: recording not fetched", "conversation", convID, "err", err)
		return nil, "", 0, routing.Errorf(routing.EInternal, "the voicemail could not be fetched; try again")
	}
	return body, ct, n, nil
}
