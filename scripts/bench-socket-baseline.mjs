// The baseline for `npm run bench:inbox`: express + socket.io and nothing else. A form POST to
// /hook is answered and its MessageSid emitted at once to every socket on /inbox, so the figure is
// the floor that HTTP, socket.io and this machine set for "webhook in, event out".
import http from 'node:http';
import express from 'express';
import { Server } from 'socket.io';

const app = express();
app.post('/hook', express.urlencoded({ extended: false }), (req, res) => {
  res.type('text/xml').send('<Response/>');
  inbox.emit('message.created', { sid: req.body.MessageSid });
});
app.get('/', (_req, res) => {
  res.send('ok');
});
const server = http.createServer(app);
const io = new Server(server);
const inbox = io.of('/inbox');
server.listen(Number(process.env.PORT ?? 3904), '127.0.0.1');
