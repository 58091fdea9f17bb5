
π
8

service.name
claude-code

	host.name

laptop-7¸
*
 com.anthropic.claude_code.events2.1.97Õ	¿K/à7ãì*
claude_code.api_request2

event.name
api_request24

session.id&
$4d5611e5-241a-462a-8d15-5122611a95692
model
claude-opus-4-62
cost_usd	!ç(Ìæ0â?2
input_tokens2
output_tokens	2
cache_read_tokens≤Y2
cache_creation_tokensùu2,

request_id
req_011CY4TRHLYkp2wmETF8ujUf2
duration_ms„