package main

import (
	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/channels/webchat"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
)

// modules are the generated files. Every value comes from a Go constant or list; only the JS
// property names are spelled here.
func modules() []module {
	return []module{consoleModule(), chatModule()}
}

// consoleModule is what the advocate and supervisor consoles need (docs/console-protocol.md).
func consoleModule() module {
	return module{
		path: "gateway/web/static/protocol.js",
		doc:  "The console protocol's names (docs/console-protocol.md), as the Go code defines them.",
		groups: []group{
			obj("Frame", "Frame types a console sends, and the server's own answers.",
				"Hello", gateway.FrameHello, "Heartbeat", gateway.FrameHeartbeat, "Presence", gateway.FramePresence,
				"Accept", gateway.FrameAccept, "Decline", gateway.FrameDecline, "History", gateway.FrameHistory,
				"Send", gateway.FrameSend, "Typing", gateway.FrameTyping, "Transfer", gateway.FrameTransfer,
				"Close", gateway.FrameClose, "Flag", gateway.FrameFlag, "Referrals", gateway.FrameReferrals,
				"Interpreter", gateway.FrameInterpreter, "InterpreterRemove", gateway.FrameInterpreterRemove,
				"Languages", gateway.FrameLanguages, "Supervise", gateway.FrameSupervise, "AckAlert", gateway.FrameAckAlert,
				"Snapshot", gateway.FrameSnapshot, "Accepted", gateway.FrameAccepted, "Sent", gateway.FrameSent,
				"Flagged", gateway.FrameFlagged, "OK", gateway.FrameOK, "Error", gateway.FrameError,
				"ContactInfo", gateway.FrameContactInfo, "RecordSave", gateway.FrameRecordSave, "Consent", gateway.FrameConsent,
				"SafeContact", gateway.FrameSafeContact, "Block", gateway.FrameBlock, "CaseSummary", gateway.FrameCaseSummary, "Earlier", gateway.FrameEarlier,
				"Record", gateway.FrameRecord, "Consents", gateway.FrameConsents, "Blocked", gateway.FrameBlocked,
				"CallHangup", gateway.FrameCallHangup, "CallHold", gateway.FrameCallHold, "CallMute", gateway.FrameCallMute,
				"CallAdd", gateway.FrameCallAdd, "CallLeave", gateway.FrameCallLeave,
				"CallConsult", gateway.FrameCallConsult, "CallConsultJoin", gateway.FrameCallConsultJoin,
				"CallConsultHandover", gateway.FrameCallConsultHand, "CallConsultCancel", gateway.FrameCallConsultCancel,
				"Colleagues", gateway.FrameColleagues,
				"FollowUps", gateway.FrameFollowUps, "FollowUpSchedule", gateway.FrameFollowUpSchedule,
				"FollowUpCancel", gateway.FrameFollowUpCancel, "FollowUpReschedule", gateway.FrameFollowUpReschedule,
				"FollowUpCall", gateway.FrameFollowUpCall, "FollowUp", gateway.FrameFollowUp),
			obj("EventType", "Event types of the routing events stream, forwarded to the consoles.",
				"Queued", routing.EvQueued, "Offer", routing.EvOffer, "OfferWithdrawn", routing.EvOfferGone,
				"Assigned", routing.EvAssigned, "Message", routing.EvMessage, "MessageStatus", routing.EvStatus,
				"Typing", routing.EvTyping, "Wrapup", routing.EvWrapup, "Closed", routing.EvClosed,
				"Abandoned", routing.EvAbandoned, "Transferred", routing.EvTransferred, "Updated", routing.EvUpdated,
				"Escalated", routing.EvEscalated, "Presence", routing.EvPresence,
				"CaseFlagged", cases.EvCaseFlagged, "CaseUpdated", cases.EvCaseUpdated,
				"CaseSLABreached", cases.EvCaseSLABreached, "AlertRaised", cases.EvAlertRaised,
				"AlertAcknowledged", cases.EvAlertAcked, "AlertEscalated", cases.EvAlertEscalated,
				"InterpreterRinging", interpreter.EvRinging, "InterpreterJoined", interpreter.EvJoined,
				"InterpreterLeft", interpreter.EvLeft, "AdvocateRinging", voice.EvAdvocateRinging,
				"AdvocateJoined", voice.EvAdvocateJoined, "AdvocateMissed", voice.EvAdvocateMissed,
				"Supervisor", voice.EvSupervisor, "CallHold", voice.EvHold, "CallMute", voice.EvMute,
				"CallHungUp", voice.EvHungUp, "CallOutside", voice.EvOutside, "CallConsult", voice.EvConsult,
				"CallOutDialling", voice.EvCallOutDialling, "CallOutResult", voice.EvCallOutResult,
				"RecordingDeleted", voice.EvRecordingDeleted,
				"FollowUpDue", followup.EvDue, "FollowUpUpdated", followup.EvUpdated),
			obj("FollowUpKind", "How a follow-up reaches the person back.", "Call", string(followup.Call), "Text", string(followup.Text)),
			obj("FollowUpState", "Where a follow-up is in its life.",
				"Scheduled", string(followup.Scheduled), "Due", string(followup.Due), "Calling", string(followup.Calling),
				"Done", string(followup.Done), "Cancelled", string(followup.Cancelled), "Refused", string(followup.Refused),
				"Unreached", string(followup.Unreached)),
			obj("Refusal", "Refusal codes of error frames that the consoles explain in their own words.",
				"FollowUp", gateway.RefusalFollowUp),
			obj("Status", "An advocate's chosen availability.",
				"Available", string(routing.Available), "Away", string(routing.Away), "Offline", string(routing.Offline)),
			list("STATUSES", "The statuses in display order.", routing.Statuses),
			list("AUDIT_ACTIONS", "The audit log's actions, as the audit page offers them to filter by.", []string{
				cases.AuditView, cases.AuditFlag, cases.AuditTip, cases.AuditAssign, cases.AuditNote, cases.AuditReport,
				cases.AuditPacket, cases.AuditClose, cases.AuditAck, cases.AuditConsent, cases.AuditReveal,
				cases.AuditRevealDenied, cases.AuditBlock, cases.AuditLift, cases.AuditSafeContact, cases.AuditRecord,
				cases.AuditReadEarlier, cases.AuditExport, gateway.AuditRecordingPlay,
				followup.AuditSchedule, followup.AuditReschedule, followup.AuditCancel, followup.AuditAttempt, followup.AuditMoved,
				gateway.AuditAccountCreate, gateway.AuditAccountUpdate, gateway.AuditAccountDisable, gateway.AuditAccountEnable,
				gateway.AuditAccountPassword, gateway.AuditSignIn, gateway.AuditSignInRefused, gateway.AuditTOTPEnrol,
				gateway.AuditTOTPReset, gateway.AuditDirectoryCreate, gateway.AuditDirectoryUpdate, gateway.AuditDirectoryDelete,
				gateway.AuditDirectoryImport, gateway.AuditCannedPut, gateway.AuditCannedDelete, gateway.AuditSetting}),
			obj("PresenceReason", "Why the engine, not the advocate, set a status (advocate.presence data.reason, snapshot presence.reason).",
				"MissedOffers", routing.AwayMissedOffers),
			obj("Channel", "The media a conversation arrives on.",
				"Voice", string(routing.Voice), "SMS", string(routing.SMS), "Chat", string(routing.Chat), "Email", string(routing.Email)),
			obj("State", "Where a conversation is in its life.",
				"Queued", string(routing.Queued), "Offered", string(routing.Offered), "Active", string(routing.Active),
				"Wrapup", string(routing.Wrapup), "Closed", string(routing.Closed), "Abandoned", string(routing.Abandoned)),
			obj("Direction", "Who wrote a message.",
				"In", string(routing.In), "Out", string(routing.Out), "System", string(routing.System)),
			obj("MessageStatus", "Delivery states of an outbound message.",
				"Queued", routing.StatusQueued, "Sent", routing.StatusSent, "Delivered", routing.StatusDelivered,
				"Failed", routing.StatusFailed, "Undelivered", routing.StatusUndelivered, "Blocked", routing.StatusBlocked),
			obj("Tag", "Conversation tags.",
				"Relay", routing.TagRelay, "Urgent", routing.TagUrgent, "Minor", routing.TagMinor, "Danger", routing.TagDanger,
				"Interpreter", routing.TagInterpreter, "QuickExit", routing.TagQuickExit, "UnverifiedSender", email.TagUnverified,
				"Voicemail", voice.TagVoicemail, "Callback", voice.TagCallback),
			list("DISPOSITIONS", "The hotline's contact types, recorded when a conversation is closed, in display order.",
				routing.Dispositions),
			list("CASE_TYPES", "Kinds of trafficking case, in display order.", cases.CaseTypes),
			obj("Urgency", "Urgencies of a case.",
				"Urgent", string(cases.Urgent), "NonUrgent", string(cases.NonUrgent), "LackingInfo", string(cases.LackingInfo)),
			list("URGENCIES", "The urgencies in display order.", cases.Urgencies),
			list("INDICATORS", "The built-in case indicators; a hotline may configure more (the account lists them).",
				cases.BuiltinIndicators),
			list("SUPERVISE_MODES", "How a supervisor takes part in a call.",
				[]string{voice.ModeListen, voice.ModeWhisper, voice.ModeJoin}),
		},
	}
}

// chatModule is what the chat widget needs (docs/chat-protocol.md).
func chatModule() module {
	return module{
		path: "channels/webchat/web/protocol.js",
		doc:  "The chat protocol's names (docs/chat-protocol.md), as the Go code defines them.",
		groups: []group{
			obj("Frame", "Frame types: the visitor's, then the server's (message, typing and end go both ways).",
				"Start", webchat.TypeStart, "Message", webchat.TypeMessage, "Typing", webchat.TypeTyping,
				"End", webchat.TypeEnd, "QuickExit", webchat.TypeQuickExit, "Resume", webchat.TypeResume,
				"Session", webchat.TypeSession, "Queue", webchat.TypeQueue, "AdvocateJoined", webchat.TypeAdvocateJoined,
				"AdvocateLeft", webchat.TypeAdvocateLeft, "Error", webchat.TypeError),
			obj("ErrorCode", "Codes of error frames; the widget shows the text err_<code>.",
				"BadJSON", webchat.CodeBadJSON, "UnknownType", webchat.CodeUnknownType, "Invalid", webchat.CodeInvalid,
				"Empty", webchat.CodeEmpty, "TooLong", webchat.CodeTooLong, "Consent", webchat.CodeConsent,
				"NotStarted", webchat.CodeNotStarted, "Started", webchat.CodeStarted, "Resume", webchat.CodeResume,
				"RateLimited", webchat.CodeRateLimited, "TooManyConns", webchat.CodeTooManyConns,
				"TooManyChats", webchat.CodeTooManyChats, "Internal", webchat.CodeInternal, "Blocked", webchat.CodeBlocked,
				"NotAvailable", webchat.CodeNotAvailable),
			obj("SessionState", "States reported in session frames.",
				"Waiting", webchat.StateWaiting, "Active", webchat.StateActive, "Ended", webchat.StateEnded),
			obj("From", "Message authors as the visitor sees them.",
				"Visitor", webchat.FromVisitor, "Advocate", webchat.FromAdvocate, "Hotline", webchat.FromHotline),
			obj("EndReason", "Reasons in end frames; the widget shows the text ended_<reason>.",
				"Left", webchat.EndLeft, "QuickExit", webchat.EndQuickExit, "Closed", webchat.EndClosed,
				"Abandoned", webchat.EndAbandoned),
		},
	}
}
