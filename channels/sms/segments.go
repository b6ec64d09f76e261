package sms

import "github.com/openhotline/hotline/channels/twilio"

// SegmentInfo says how a reply will travel: encoding and number of SMS parts.
type SegmentInfo = twilio.SegmentInfo

// Segments counts the SMS segments body takes (GSM-7: 160, or 153 per part; UCS-2: 70, or 67
// per part), for the console to show before an advocate sends a long reply.
func Segments(body string) SegmentInfo { return twilio.Segments(body) }
