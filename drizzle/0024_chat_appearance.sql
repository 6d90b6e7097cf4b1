-- How the patient web chat looks: the clinic's logo, colour and greeting (src/clinic/chat-appearance.ts).
-- Null keeps the plain page.
ALTER TABLE "organizations" ADD COLUMN "chat_appearance" jsonb;
