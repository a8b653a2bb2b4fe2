// The activity side of the smoke workflow; it reports the worker's pid so the test can tell it really ran here.
export async function greet(input: { name: string }): Promise<string> {
  return `hello ${input.name} from pid ${process.pid}`;
}
