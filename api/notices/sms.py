"""SMS through an HTTP gateway.

The adapter posts one JSON request per message to the configured URL:
`{"to": "+8613800138000", "text": "...", "reference": "notification:12"}` with
`Authorization: Bearer <CONSENTQL_SMS_GATEWAY_KEY>`. Any 2xx is accepted; 429 and 5xx are retried;
other 4xx are final. A provider with another API sits behind a small relay that speaks this one.
"""

from collections.abc import Sequence

import httpx

from api.notices.message import Failure, Message, Outcome

TIMEOUT_SECONDS = 15
TOO_MANY_REQUESTS = 429


def failure(status: int) -> Failure:
    final = 400 <= status < 500 and status != TOO_MANY_REQUESTS
    return Failure(f"SMS gateway HTTP {status}", permanent=final)


def international(phone: str) -> str:
    """Numbers are stored in mainland form (13800138000); gateways take E.164."""
    return phone if phone.startswith("+") else f"+86{phone}"


class SmsTransport:
    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self.headers = {"authorization": f"Bearer {key}"} if key else {}

    async def deliver(self, messages: Sequence[Message]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, headers=self.headers) as client:
            for message in messages:
                text = f"{message.title}\n{message.body}" if message.title else message.body
                payload = {
                    "to": international(message.to),
                    "text": text,
                    "reference": message.reference,
                }
                try:
                    response = await client.post(self.url, json=payload)
                except httpx.HTTPError:
                    outcomes.append(Failure("SMS gateway unreachable"))
                    continue
                outcomes.append(None if response.is_success else failure(response.status_code))
        return outcomes
