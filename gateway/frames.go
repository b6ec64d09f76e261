package gateway

// Console frame types (docs/console-protocol.md). They are defined here once: the consoles'
// gateway/web/static/protocol.js is generated from them by `go run ./internal/genjs`.
//
// Frames a console sends:
const (
	FrameHello             = "hello"
	FrameHeartbeat         = "heartbeat"
	FramePresence          = "presence"
	FrameAccept            = "accept"
	FrameDecline           = "decline"
	FrameHistory           = "history" // also the server's answer
	FrameSend              = "send"
	FrameTyping            = "typing"
	FrameTransfer          = "transfer"
	FrameClose             = "close"
	FrameFlag              = "flag"
	FrameReferrals         = "referrals" // also the server's answer
	FrameInterpreter       = "interpreter"
	FrameInterpreterRemove = "interpreter_remove"
	FrameLanguages         = "languages" // also the server's answer
	FrameSupervise         = "supervise"
	FrameAckAlert          = "ack_alert"

	// The voice desk (voice.go): the advocate holding a call ends it, holds or mutes it.
	FrameCallHangup = "call_hangup"
	FrameCallHold   = "call_hold" // on: true holds the caller, false brings them back
	FrameCallMute   = "call_mute" // on: true mutes the advocate's leg, false unmutes it
	FrameCallAdd    = "call_add"  // number: an outside party dialled into the call
	FrameCallLeave  = "call_leave"

	// Warm transfer (voice.go): the advocate holding a call consults a colleague while the caller
	// holds, then brings the caller in with both, hands the call over, or cancels.
	FrameCallConsult       = "call_consult" // to_advocate: the colleague to ring
	FrameCallConsultJoin   = "call_consult_join"
	FrameCallConsultHand   = "call_consult_handover"
	FrameCallConsultCancel = "call_consult_cancel"
	FrameColleagues        = "colleagues" // who can take a call now: the transfer picker's list; also the server's answer

	// The contact desk of a conversation (console_desk.go); each is also the server's answer.
	FrameContactInfo = "contact_info"
	FrameRecordSave  = "record_save"
	FrameConsent     = "consent"
	FrameSafeContact = "safe_contact"
	FrameBlock       = "block"
	FrameCaseSummary = "case_summary"
	FrameEarlier     = "earlier_transcript" // an earlier conversation of the same contact

	// Follow-ups (console_followup.go): call or text a person back at a time.
	FrameFollowUps          = "followups"           // the list (a conversation's, a case's, else the advocate's own); also the server's answer
	FrameFollowUpSchedule   = "followup_schedule"   // followup: kind, at, body; from conversation or case_id
	FrameFollowUpCancel     = "followup_cancel"     // followup: id
	FrameFollowUpReschedule = "followup_reschedule" // followup: id, at
	FrameFollowUpCall       = "followup_call"       // followup: id; the advocate pressed Call on a due call
)

// Frames the server sends besides the routing events it forwards:
const (
	FrameSnapshot = "snapshot"
	FrameAccepted = "accepted"
	FrameSent     = "sent"
	FrameFlagged  = "flagged"
	FrameOK       = "ok"
	FrameError    = "error"
	FrameRecord   = "record"   // a contact record saved
	FrameConsents = "consents" // the consents after one was recorded
	FrameBlocked  = "blocked"  // the contact is blocked until a time
	FrameFollowUp = "followup" // one follow-up after it was scheduled, changed or called
)

// RefusalFollowUp is the refusal code of an error frame refusing a follow-up for the person's
// rules; its reason is a followup.Reason code (locale key "followup_reason_" + reason).
const RefusalFollowUp = "followup"
