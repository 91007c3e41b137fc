/**
 * The deployed delivery queue (shared/fanout/queue.ts): what the dispatcher, the
 * deliverer and a replay send to SQS. SQS has no local stand-in here, so the client
 * is aws-sdk-client-mock's, answering as SQS does.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { queueAt, registerInProcessQueue, sqsOnFirstSend, sqsQueue, type OutgoingMessage } from '../../shared/fanout/queue';

const URL = 'https://sqs.eu-west-2.amazonaws.com/000000000000/deliveries';
const sqs = mockClient(SQSClient);
const sent = () => sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
const messages = (n: number, delayMs?: number): OutgoingMessage[] => Array.from({ length: n }, (_, i) => ({ body: `message ${i}`, ...(delayMs ? { delayMs } : {}) }));

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('sqsQueue', () => {
  it('sends through the client sqsOnFirstSend makes when the first message goes (the functions that seldom send)', async () => {
    const queue = sqsQueue(sqsOnFirstSend(), URL);
    expect(sent()).toEqual([]);
    await queue.send(messages(12));
    await queue.send(messages(1));
    expect(sent().map((c) => [c.QueueUrl, c.Entries?.length])).toEqual([[URL, 10], [URL, 2], [URL, 1]]);
  });

  it('sends ten messages a call, in order, to its queue', async () => {
    await sqsQueue(new SQSClient({}), URL).send(messages(23));
    const calls = sent();
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.QueueUrl === URL)).toBe(true);
    expect(calls.flatMap((c) => c.Entries!.map((e) => e.MessageBody))).toEqual(messages(23).map((m) => m.body));
  });

  it('holds a message back in whole seconds, rounded up and at most SQS’s 15 minutes; an undelayed one has no DelaySeconds', async () => {
    await sqsQueue(new SQSClient({}), URL).send([{ body: 'a', delayMs: 1_200 }, { body: 'b', delayMs: 60 * 60 * 1000 }, { body: 'c' }]);
    expect(sent()[0]!.Entries!.map((e) => e.DelaySeconds)).toEqual([2, 900, undefined]);
  });

  it('sends again only the entries SQS reports failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    await sqsQueue(new SQSClient({}), URL).send(messages(2));
    expect(sent().map((c) => c.Entries!.map((e) => e.MessageBody))).toEqual([['message 0', 'message 1'], ['message 1']]);
  });

  it('fails the send, naming SQS’s reason, when an entry still fails after three calls', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'KmsThrottled', Message: 'slow down', SenderFault: false }] });
    await expect(sqsQueue(new SQSClient({}), URL).send(messages(1))).rejects.toThrow(/SQS refused 1 message\(s\) for .*deliveries: KmsThrottled slow down/);
    expect(sent()).toHaveLength(3);
  });
});

describe('queueAt', () => {
  it('makes its SQS client on the first send, once', async () => {
    let made = 0;
    const queue = queueAt(URL, () => {
      made++;
      return new SQSClient({});
    });
    expect(made).toBe(0);
    await Promise.all([queue.send(messages(1)), queue.send(messages(1)), queue.send(messages(1))]);
    expect(made).toBe(1);
    expect(sent()).toHaveLength(3);
  });

  it('sends to the local hub’s in-process queue for a local: URL, never to SQS', async () => {
    const received: OutgoingMessage[] = [];
    const unregister = registerInProcessQueue('local:test-deliveries', { send: async (m) => void received.push(...m) });
    try {
      await queueAt('local:test-deliveries', () => {
        throw new Error('no SQS client may be made');
      }).send(messages(2));
    } finally {
      unregister();
    }
    expect(received.map((m) => m.body)).toEqual(['message 0', 'message 1']);
    expect(sent()).toHaveLength(0);
  });
});
