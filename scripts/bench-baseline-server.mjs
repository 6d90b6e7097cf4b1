// The baseline for benchmarks: a bare express hello-world on the same machine, measured in the same run.
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.send('Hello World!');
});
app.listen(Number(process.env.PORT ?? 3902), '127.0.0.1');
